"""Descriptors of a material for the room-temperature conductivity model.

Input is a frame with one row per material (see `INPUT_COLUMNS`); output is a numeric
frame the model reads, plus one string column, `family`, that the model one-hot encodes.

Censored targets: a conductivity reported as an upper bound (`<1E-10`, `<1E-8`) is imputed at
`CENSORED_LOG10` = -15 (1e-15 S/cm) and marked ``censored=True``. This is OBELiX's own
convention (their data notes: 'Set all "<1e-10" to 1e-15'), and the published train-median
baseline (MAE about 2.16 on the test split) is reproduced only with it, so our metrics stay
comparable with the paper. Training and evaluation both use it (`censored_target`, applied to
the store's records); the model report also gives the MAE on the uncensored test rows. Nothing
else in the package may impute a bound.

CIF descriptors come from the store's `structures` summaries (computed once at build time by
`db.structures`), passed in as the `CIF_SUMMARY_COLUMNS` of the input rows. Only the opt-in
'sites' block reads the CIF file itself (`cif_path`), with its own disk cache, because the
store keeps no per-site data.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from pymatgen.core import Composition, Element, Structure

from auditor.normalize import normalize_family
from core.composition import try_composition_key
from core.constants import IMPLIED_ROOM_TEMPERATURE_K
from db.config import REPO_ROOT

CENSORED_LOG10 = -15.0

# Input columns holding the store's CIF summary (`db.model_inputs` names them so).
CIF_SUMMARY_COLUMNS: tuple[str, ...] = (
    "cif_density",
    "cif_volume_per_atom",
    "cif_li_partial",
    "cif_other_partial",
    "cif_min_li_li",
    "cif_min_li_anion",
)

# What a caller hands to `feature_frame`; every column but `composition` may be missing/NaN.
INPUT_COLUMNS: tuple[str, ...] = (
    "composition",  # formula as written
    "cell_composition",  # formula of the whole cell (OBELiX `True Composition`)
    "z",  # formula units per cell (when cell_composition is absent)
    "space_group",
    "sg_number",
    "a",
    "b",
    "c",
    "alpha",
    "beta",
    "gamma",
    "density",  # g/cm3 as given by the caller
    "family_label",  # a family label: the harmonized one or the source's own
    "cif_path",  # the CIF file: read only by the opt-in 'sites' block
    # The store's summary of the CIF (`structures`); absent: no CIF.
    *CIF_SUMMARY_COLUMNS,
)

ELEMENT_PROPERTIES: tuple[str, ...] = (
    "X",
    "atomic_radius",
    "average_ionic_radius",
    "atomic_mass",
    "group",
    "row",
    "molar_volume",
    "mendeleev_no",
    "melting_point",
    "ionization_energy",
    "electron_affinity",
)
ANIONS: frozenset[str] = frozenset({"O", "S", "Se", "Te", "F", "Cl", "Br", "I", "N", "H"})
ANION_CLASSES: dict[str, frozenset[str]] = {
    "oxide": frozenset({"O"}),
    "chalcogenide": frozenset({"S", "Se", "Te"}),
    "halide": frozenset({"F", "Cl", "Br", "I"}),
    "nitride": frozenset({"N"}),
    "hydride": frozenset({"H"}),
}
# Element-fraction columns cover Z = 1..94: fixed, so two training sets give the same columns.
FRACTION_ELEMENTS: tuple[str, ...] = tuple(Element.from_Z(z).symbol for z in range(1, 95))
LATTICE_COLUMNS: tuple[str, ...] = ("a", "b", "c", "alpha", "beta", "gamma")
CIF_COLUMNS: tuple[str, ...] = ("has_cif", *CIF_SUMMARY_COLUMNS)
_CRYSTAL_SYSTEM_BOUNDS = (2, 15, 74, 142, 167, 194, 230)  # last sg number of each system


def censored_target(log10_value: pd.Series, censored: pd.Series) -> pd.Series:
    """The training target (log10 S/cm) of stored conductivities, with bounds imputed.

    An upper bound (`censored` '<') becomes `CENSORED_LOG10`, see the module docstring; a
    lower bound ('>') has no imputation rule and gets no target (NaN, so training skips it).
    """
    value = pd.to_numeric(log10_value, errors="coerce").astype(float)
    return value.mask(censored.eq(">")).mask(censored.eq("<"), CENSORED_LOG10)


@lru_cache(maxsize=256)
def _element_property(symbol: str, prop: str) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pymatgen warns on missing data; NaN says the same
        try:
            value = getattr(Element(symbol), prop)
        except (AttributeError, ValueError, KeyError):
            return float("nan")
    try:
        return float(value) if value is not None else float("nan")
    except (TypeError, ValueError):
        return float("nan")


def _weighted_stats(values: np.ndarray, weights: np.ndarray, prefix: str) -> dict[str, float]:
    ok = ~np.isnan(values)
    if not ok.any():
        return {f"{prefix}_{s}": float("nan") for s in ("mean", "std", "min", "max", "range")}
    v, w = values[ok], weights[ok] / weights[ok].sum()
    mean = float(np.dot(w, v))
    return {
        f"{prefix}_mean": mean,
        f"{prefix}_std": float(np.sqrt(np.dot(w, (v - mean) ** 2))),
        f"{prefix}_min": float(v.min()),
        f"{prefix}_max": float(v.max()),
        f"{prefix}_range": float(v.max() - v.min()),
    }


def parse_composition(formula: str) -> Composition | None:
    """A pymatgen Composition, or None when the formula is not one (key must parse too)."""
    key = try_composition_key(str(formula))
    if key is None:
        return None
    try:
        # Parse the canonical key, not the raw text: pymatgen reads some raw forms (hydrates
        # written `...*(H2O)18`) on one call and not on the next; the key always parses.
        # The key is the reduced formula, so amounts are per reduced formula unit.
        return Composition(key)
    except Exception:  # pymatgen raises several exception types for bad input
        return None


@lru_cache(maxsize=8192)
def composition_descriptors(formula: str) -> dict[str, float] | None:
    """Element-property statistics, element fractions and Li/anion content of a formula.

    Returns None when the formula does not parse (callers skip and count such rows).
    """
    comp = parse_composition(formula)
    if comp is None:
        return None
    frac = comp.fractional_composition.get_el_amt_dict()
    symbols = list(frac)
    weights = np.array([frac[s] for s in symbols])
    out: dict[str, float] = {"n_elements": float(len(symbols))}
    for prop in ELEMENT_PROPERTIES:
        values = np.array([_element_property(s, prop) for s in symbols])
        out.update(_weighted_stats(values, weights, prop))
    anions = [s for s in symbols if s in ANIONS]
    framework = [s for s in symbols if s not in ANIONS and s != "Li"]
    # Anion polarizability and framework-cation chemistry separate sulfides from oxides
    # better than whole-formula averages do.
    for name, subset in (("anion", anions), ("framework", framework)):
        w = np.array([frac[s] for s in subset]) if subset else np.array([])
        for prop in ("X", "average_ionic_radius", "atomic_mass"):
            vals = np.array([_element_property(s, prop) for s in subset])
            out[f"{name}_{prop}_mean"] = float(np.dot(w, vals) / w.sum()) if subset else np.nan
    li = frac.get("Li", 0.0)
    anion_total = sum(frac[s] for s in anions)
    out["li_fraction"] = li
    out["li_per_anion"] = li / anion_total if anion_total else float("nan")
    out["li_per_framework"] = li / sum(frac[s] for s in framework) if framework else float("nan")
    out["anion_fraction"] = anion_total
    for cls, members in ANION_CLASSES.items():
        out[f"anion_{cls}"] = sum(frac.get(s, 0.0) for s in members)
    out["n_anion_species"] = float(len(anions))
    for symbol in FRACTION_ELEMENTS:
        out[f"frac_{symbol}"] = frac.get(symbol, 0.0)
    return out


@lru_cache(maxsize=1024)
def space_group_number(space_group: object) -> float:
    """International number of a space group given as a number or an H-M symbol ('P -1')."""
    if space_group is None or (isinstance(space_group, float) and math.isnan(space_group)):
        return float("nan")
    text = str(space_group).strip()
    if re.fullmatch(r"\d+(\.0+)?", text):
        number = int(float(text))
        return float(number) if 1 <= number <= 230 else float("nan")
    # Lazy: pymatgen's space-group tables load only when a symbol (not a number) needs them.
    from pymatgen.symmetry.groups import SpaceGroup

    for candidate in (text, text.replace(" ", "")):
        try:
            return float(SpaceGroup(candidate).int_number)
        except Exception:  # pymatgen raises ValueError/KeyError for unknown symbols
            continue
    return float("nan")


def crystal_system_index(sg_number: float) -> float:
    """0 triclinic .. 6 cubic, from the space-group number (NaN when unknown)."""
    if not np.isfinite(sg_number):
        return float("nan")
    return float(next(i for i, last in enumerate(_CRYSTAL_SYSTEM_BOUNDS) if sg_number <= last))


def cell_volume(a: float, b: float, c: float, alpha: float, beta: float, gamma: float) -> float:
    """Cell volume (A^3) from lattice parameters (A, degrees)."""
    ca, cb, cg = (math.cos(math.radians(x)) for x in (alpha, beta, gamma))
    arg = 1 - ca * ca - cb * cb - cg * cg + 2 * ca * cb * cg
    return a * b * c * math.sqrt(arg) if arg > 0 else float("nan")


def family_label(
    label: object, *, formula: str | None = None, space_group: str | None = None
) -> str:
    """The harmonized family the model sees (`auditor.normalize.normalize_family`).

    When the normalizer gives no family, the raw label lower-cased with a trailing plural
    's' dropped (so 'argyrodites'/'argyrodite' agree).
    """
    raw = "" if label is None or (isinstance(label, float) and math.isnan(label)) else str(label)
    try:
        result = normalize_family(raw, formula=formula, space_group=space_group)
    except Exception:  # a normalizer bug must not take the model down; fall back
        result = None
    if isinstance(result, dict):
        result = result.get("family")
    result = getattr(result, "family", result)
    if result:
        return str(result)
    text = raw.strip().lower()
    return re.sub(r"(?<=[a-z]{4})s$", "", text) or "unknown"


# ---- CIF descriptors, from the store's summaries ---------------------------------------


def _cif_features(row: dict) -> dict[str, float]:
    """The CIF block from the row's `CIF_SUMMARY_COLUMNS`; has_cif is 0 when none is given."""
    if not any(pd.notna(row.get(c)) for c in CIF_SUMMARY_COLUMNS):
        return {col: (0.0 if col == "has_cif" else float("nan")) for col in CIF_COLUMNS}
    return {
        "has_cif": 1.0,
        "cif_density": _num(row.get("cif_density")),
        "cif_volume_per_atom": _num(row.get("cif_volume_per_atom")),
        # Booleans from the store, or 'True'/'False' text from a user's file.
        "cif_li_partial": float(str(row.get("cif_li_partial")).lower() == "true"),
        "cif_other_partial": float(str(row.get("cif_other_partial")).lower() == "true"),
        "cif_min_li_li": _num(row.get("cif_min_li_li")),
        "cif_min_li_anion": _num(row.get("cif_min_li_anion")),
    }


# ---- per-site CIF data for the opt-in 'sites' block, cached on disk (~10 s for 321 CIFs) ---


def _cache_dir() -> Path:
    return Path(os.environ.get("SSE_AUDIT_CACHE", REPO_ROOT / "var" / "cache"))


def _memoized_per_cif(paths: list[str], memo: dict, cache_file: Path, summarize) -> dict[str, dict]:
    """`summarize(path)` for each existing CIF path, memoized in `memo` and in `cache_file`.

    Keys are path plus content hash, so an edited CIF is re-read. An unreadable CIF gives an
    empty summary (its features stay NaN).
    """
    wanted = {p for p in paths if isinstance(p, str) and p and Path(p).is_file()}
    keyed = {p: f"{p}|{hashlib.sha1(Path(p).read_bytes()).hexdigest()[:16]}" for p in wanted}
    if not memo and cache_file.is_file():
        for row in pd.read_csv(cache_file).to_dict("records"):
            memo[row.pop("key")] = row
    missing = [p for p in wanted if keyed[p] not in memo]
    for p in missing:
        try:
            memo[keyed[p]] = summarize(p)
        except Exception:  # an unreadable CIF leaves its features NaN
            memo[keyed[p]] = {}
    if missing:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        pd.DataFrame([{"key": k, **v} for k, v in memo.items()]).to_csv(cache_file, index=False)
    return {p: memo[keyed[p]] for p in wanted}


# ---- optional descriptor blocks (opt-in; see `OPTIONAL_BLOCKS`) ------------------------

# 'chem': composition chemistry the element statistics do not spell out (anion identity,
# polyanion groups, doping/off-stoichiometry, anion-cation electronegativity gap).
# 'sites': carrier-site and packing descriptors from the CIF (Li site count, occupancy,
# coordination, Li-Li distances, anion packing fraction, free volume per Li).
# 'temperature': 1000/T of the measurement (input column temperature_k; 298.15 K when absent),
# so rows measured away from room temperature can train a model that predicts at 298 K.
OPTIONAL_BLOCKS: tuple[str, ...] = ("chem", "sites", "temperature")
DEFAULT_BLOCKS: tuple[str, ...] = ()
CHEM_ANIONS: tuple[str, ...] = ("O", "S", "Se", "Cl", "Br", "I", "F", "N", "H")
# (central atom, ligand, ligands per group) of polyanions recognisable from a formula.
POLYANIONS: tuple[tuple[str, str, int], ...] = (
    ("P", "O", 4), ("Si", "O", 4), ("Ge", "O", 4), ("B", "O", 3), ("S", "O", 4),
    ("P", "S", 4), ("Si", "S", 4), ("Ge", "S", 4), ("Sn", "S", 4), ("Sb", "S", 4),
    ("B", "H", 4), ("Al", "H", 4), ("N", "H", 2),
)  # fmt: skip
# Shannon-like ionic radii (A) of the anions, for packing fractions.
ANION_RADII: dict[str, float] = {
    "O": 1.40, "S": 1.84, "Se": 1.98, "Te": 2.21, "F": 1.33, "Cl": 1.81, "Br": 1.96,
    "I": 2.20, "N": 1.46,
}  # fmt: skip
LI_ANION_CUTOFF = 1.25  # a Li neighbour is an anion within 1.25x (r_Li+ + r_anion)
LI_RADIUS = 0.76


@lru_cache(maxsize=8192)
def chemistry_descriptors(formula: str) -> dict[str, float]:
    """The 'chem' block: anion one-hots, polyanion groups, doping and electronegativity gap."""
    comp = parse_composition(formula)
    out: dict[str, float] = {}
    if comp is None:
        return out
    amt = comp.get_el_amt_dict()
    total = sum(amt.values())
    for a in CHEM_ANIONS:
        out[f"chem_has_{a}"] = float(a in amt)
    anion_amt = sum(v for k, v in amt.items() if k in ANIONS)
    bound = 0.0
    for centre, ligand, n in POLYANIONS:
        if centre in amt and ligand in amt and centre != ligand:
            groups = min(amt[centre], amt[ligand] / n)
            out[f"chem_{centre}{ligand}{n}"] = groups / total
            bound += groups * n
        else:
            out[f"chem_{centre}{ligand}{n}"] = 0.0
    out["chem_polyanion_share"] = min(bound / anion_amt, 1.0) if anion_amt else float("nan")
    out["chem_mixed_anion"] = float(sum(k in ANIONS for k in amt) > 1)
    cations = [k for k in amt if k not in ANIONS]
    out["chem_n_cations"] = float(len(cations))
    out["chem_n_nonint"] = float(sum(abs(v - round(v)) > 1e-3 for v in amt.values()))
    out["chem_li_nonint"] = float(abs(amt.get("Li", 0) - round(amt.get("Li", 0))) > 1e-3)
    out["chem_n_dopants"] = float(sum(v < 0.5 for k, v in amt.items() if k != "Li"))
    xs = {k: _element_property(k, "X") for k in amt}
    an = [k for k in amt if k in ANIONS and np.isfinite(xs[k])]
    ca = [k for k in cations if np.isfinite(xs[k])]
    if an and ca:
        xa = sum(amt[k] * xs[k] for k in an) / sum(amt[k] for k in an)
        xc = sum(amt[k] * xs[k] for k in ca) / sum(amt[k] for k in ca)
        out["chem_dX"] = xa - xc
        out["chem_dX_li"] = xa - xs.get("Li", float("nan")) if "Li" in amt else float("nan")
    else:
        out["chem_dX"] = out["chem_dX_li"] = float("nan")
    return out


def summarize_sites(path: str) -> dict[str, float]:
    """The 'sites' block for one CIF: Li sites, occupancy, coordination, distances, packing."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = Structure.from_file(str(path))
    vol = float(s.volume)
    li_idx, an_idx, li_occ, labels = [], [], [], set()
    ion_volume = anion_volume = 0.0
    for i, site in enumerate(s):
        for sp, occ in site.species.items():
            sym = getattr(sp, "symbol", None) or str(sp)
            sym = re.sub(r"[^A-Za-z]", "", sym)
            r = ANION_RADII.get(sym)
            if r is None:
                r = _element_property(sym, "average_ionic_radius")
            if np.isfinite(r) and r > 0:
                v = occ * 4.0 / 3.0 * math.pi * r**3
                ion_volume += v
                if sym in ANION_RADII:
                    anion_volume += v
        syms = {re.sub(r"[^A-Za-z]", "", str(getattr(e, "symbol", e))) for e in site.species}
        if "Li" in syms:
            li_idx.append(i)
            li_occ.append(float(site.species.get_el_amt_dict().get("Li", 0.0)))
            labels.add(site.label)
        elif syms & set(ANION_RADII):
            an_idx.append(i)
    n_li = float(sum(li_occ))
    out = {
        "sites_n_li_sites": float(len(li_idx)),
        "sites_li_occ_mean": float(np.mean(li_occ)) if li_occ else float("nan"),
        "sites_li_partial_frac": float(np.mean([o < 0.999 for o in li_occ])) if li_occ else 0.0,
        "sites_n_li_labels": float(len(labels)),
        "sites_per_li": len(li_idx) / n_li if n_li else float("nan"),
        "sites_anion_packing": anion_volume / vol,
        "sites_ion_packing": ion_volume / vol,
        "sites_free_volume_per_li": (vol - ion_volume) / n_li if n_li else float("nan"),
        "sites_li_cn": float("nan"),
        "sites_li_li_nn_mean": float("nan"),
        "sites_li_li_nn_max": float("nan"),
        "sites_li_anion_mean": float("nan"),
    }
    if li_idx and len(s) <= 2000:
        centre, neigh, _, dist = s.get_neighbor_list(4.5, sites=[s[i] for i in li_idx])
        li_set, an_set = set(li_idx), set(an_idx)
        cn, nn, la = [], [], []
        for k in range(len(li_idx)):
            sel = centre == k
            nb, d = neigh[sel], dist[sel]
            is_li = np.array([j in li_set for j in nb], bool)
            is_an = np.array([j in an_set for j in nb], bool)
            d_li = d[is_li & (d > 0.5)]  # overlapping disordered sites are not neighbours
            if d_li.size:
                nn.append(float(d_li.min()))
            if is_an.any():
                radii = np.array([ANION_RADII.get(_site_anion(s[j]), 1.6) for j in nb[is_an]])
                close = d[is_an] <= LI_ANION_CUTOFF * (LI_RADIUS + radii)
                cn.append(float(close.sum()))
                la.append(float(d[is_an].min()))
        if cn:
            out["sites_li_cn"] = float(np.mean(cn))
            out["sites_li_anion_mean"] = float(np.mean(la))
        if nn:
            out["sites_li_li_nn_mean"] = float(np.mean(nn))
            out["sites_li_li_nn_max"] = float(np.max(nn))
    return out


def _site_anion(site) -> str:
    for e in site.species:
        sym = re.sub(r"[^A-Za-z]", "", str(getattr(e, "symbol", e)))
        if sym in ANION_RADII:
            return sym
    return ""


SITES_COLUMNS: tuple[str, ...] = (
    "sites_n_li_sites", "sites_li_occ_mean", "sites_li_partial_frac", "sites_n_li_labels",
    "sites_per_li", "sites_anion_packing", "sites_ion_packing", "sites_free_volume_per_li",
    "sites_li_cn", "sites_li_li_nn_mean", "sites_li_li_nn_max", "sites_li_anion_mean",
)  # fmt: skip
_SITES_MEMO: dict[str, dict] = {}


def site_summaries(paths: list[str]) -> dict[str, dict]:
    """`summarize_sites` for each path, memoized in-process and on disk (`var/cache/`)."""
    return _memoized_per_cif(paths, _SITES_MEMO, _cache_dir() / "cif_sites.csv", summarize_sites)


def _sites_features(summary: dict | None) -> dict[str, float]:
    summary = summary or {}
    return {c: _num(summary.get(c)) for c in SITES_COLUMNS}


def _lattice_features(row: dict, comp: Composition) -> dict[str, float]:
    out = {col: _num(row.get(col)) for col in LATTICE_COLUMNS}
    sg = space_group_number(row.get("sg_number"))
    if not np.isfinite(sg):
        sg = space_group_number(row.get("space_group"))
    out["sg_number"] = sg
    out["crystal_system"] = crystal_system_index(sg)
    volume = (
        cell_volume(*(out[c] for c in LATTICE_COLUMNS))
        if all(np.isfinite(out[c]) for c in LATTICE_COLUMNS)
        else float("nan")
    )
    cell = parse_composition(row["cell_composition"]) if row.get("cell_composition") else None
    z = _num(row.get("z"))
    if cell is None and np.isfinite(z) and z > 0:
        cell = comp * z
    out["cell_volume"] = volume
    if cell is not None and np.isfinite(volume) and volume > 0:
        out["volume_per_atom"] = volume / cell.num_atoms
        out["volume_per_formula"] = volume * comp.num_atoms / cell.num_atoms
        out["li_density"] = cell["Li"] / volume  # carriers per A^3
        out["lattice_density"] = cell.weight / volume * 1.66053906660  # amu/A^3 -> g/cm3
    else:
        out.update(
            volume_per_atom=np.nan, volume_per_formula=np.nan, li_density=np.nan,
            lattice_density=np.nan,
        )  # fmt: skip
    given = _num(row.get("density"))
    out["density"] = given if np.isfinite(given) else out["lattice_density"]
    return out


def _num(value: object) -> float:
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")
    return out if math.isfinite(out) else float("nan")


def _temperature_k(value: object) -> float:
    """A measurement temperature in K; room temperature when missing or not positive."""

    t = _num(value)
    return t if t > 0 else IMPLIED_ROOM_TEMPERATURE_K


def feature_frame(
    inputs: pd.DataFrame, *, blocks: tuple[str, ...] = DEFAULT_BLOCKS
) -> tuple[pd.DataFrame, pd.Series]:
    """Descriptors for each input row whose composition parses.

    Args:
        inputs: rows with the columns of `INPUT_COLUMNS` (only `composition` is required).
        blocks: optional descriptor blocks to add (names from `OPTIONAL_BLOCKS`).

    Returns:
        (features indexed like the parsed input rows, boolean mask of rows that parsed).
    """
    records = inputs.to_dict("records")
    unknown = set(blocks) - set(OPTIONAL_BLOCKS)
    if unknown:
        raise ValueError(f"unknown descriptor block(s): {', '.join(sorted(unknown))}")
    sites = (
        site_summaries([r.get("cif_path") for r in records if r.get("cif_path")])
        if "sites" in blocks
        else {}
    )
    rows, ok = [], []
    for r in records:
        formula = str(r.get("composition") or "")
        desc = composition_descriptors(formula)
        if desc is None and r.get("cell_composition"):
            # A formula we cannot read may still have a readable cell formula (OBELiX's
            # `True Composition`), which says the same thing in plain element counts.
            formula = str(r["cell_composition"])
            desc = composition_descriptors(formula)
        ok.append(desc is not None)
        if desc is None:
            continue
        comp = parse_composition(formula)
        feats = dict(desc)
        feats.update(_lattice_features(r, comp))
        feats.update(_cif_features(r))
        if "chem" in blocks:
            feats.update(chemistry_descriptors(formula))
        if "sites" in blocks:
            feats.update(_sites_features(sites.get(r.get("cif_path"))))
        if "temperature" in blocks:
            feats["inv_temperature"] = 1000.0 / _temperature_k(r.get("temperature_k"))
        feats["family"] = family_label(
            r.get("family_label"), formula=formula, space_group=r.get("space_group")
        )
        rows.append(feats)
    mask = pd.Series(ok, index=inputs.index)
    frame = pd.DataFrame(rows, index=inputs.index[mask.to_numpy()])
    return frame, mask


def baseline_columns(frame: pd.DataFrame) -> list[str]:
    """OBELiX's plain baseline inputs: element fractions, space group number and lattice."""
    fracs = [c for c in frame.columns if c.startswith("frac_")]
    return fracs + ["sg_number", *LATTICE_COLUMNS]
