"""Screen a candidate: a CIF or a formula in, the models' numbers and their cohort positions out.

Nothing is written to the store here. `candidate_from_cif` keeps the uploaded bytes in a
temporary file named by their SHA-256 (the BVSE tool reads a path; its cache is keyed by the
same hash). The conductivity model and the Ea model are the saved ones (`auditor.model`,
`auditor.ea_model`); the BVSE barrier is `auditor.bvse` on the uploaded file. Positions are
`auditor.placement.place_value` of each number against the family's experimental sigma, the
experimental Ea, and the BVSE Em cohort.
"""

from __future__ import annotations

import hashlib
import io
import math
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from pymatgen.core import Composition, Structure
from pymatgen.io.cif import CifParser

from auditor.bvse import DEFAULT_CIFS, PARAMS, BvseResult, cached_compute
from auditor.ea_model import EaModel, candidate_descriptors
from auditor.model import ConductivityModel
from auditor.normalize.aliases import CARRIERS
from auditor.placement import PlacementError, place_value, placement_records, resolve_material
from core.composition import try_composition_key
from db.structures import summarize_structure

MAX_CIF_BYTES = 5_000_000
UPLOAD_DIR = Path(tempfile.gettempdir()) / "sse_audit_screen"
# The properties `positions` places a candidate's numbers in.
PLACED_PROPERTIES = ("sigma", "Ea", "Em")

# The records a screen reads for one composition key (`screen_records`, or a cached wrapper).
RecordsOf = Callable[[str], pd.DataFrame]


def screen_records(con, composition_key: str) -> pd.DataFrame:
    """The cohort records a screen of `composition_key` reads, from the store behind `con`:
    the material's own and its family's records of each placed property (a slice, as
    `auditor.placement.placement_records`; screening on it equals screening on every record)."""
    frames = [placement_records(con, composition_key, prop) for prop in PLACED_PROPERTIES]
    both = pd.concat([frame for frame in frames if len(frame)] or frames[:1])
    return both.drop_duplicates("record_id").sort_values("record_id").reset_index(drop=True)


class ScreenError(ValueError):
    """An input that cannot be screened; the message says why."""


@dataclass
class Candidate:
    """What is screened: a composition, its family and carrier, and the structure if given."""

    composition_key: str
    family: str
    carrier: str | None
    origin: str  # "formula" or "CIF <file name>"
    cif_path: Path | None = None
    cif_sha256: str | None = None
    summary: dict = field(default_factory=dict)  # `db.structures.summarize_structure`
    lattice: dict = field(default_factory=dict)


def _family(records: pd.DataFrame, key: str) -> str:
    # place_value decides the family the same way; a dummy placement reads it without writing.
    placed = place_value(records, pd.DataFrame(), material=key, property="Ea", value=0.3,
                         unit="eV", method="EXP")  # fmt: skip
    return placed.family


def _carrier(records: pd.DataFrame, key: str) -> str | None:
    known = records.loc[records["composition_key"] == key, "carrier_ion"].dropna()
    if len(known):
        return str(known.mode().iloc[0])
    symbols = {el.symbol for el in Composition(key).elements}
    return next((c for c in CARRIERS if c in symbols), None)


def candidate_from_formula(text: str, records_of: RecordsOf) -> Candidate:
    """A typed formula, name or acronym. Raises ScreenError when it does not parse.

    `records_of(key)` gives the records to read once the key is known (`screen_records`)."""
    if not (text or "").strip():
        raise ScreenError("type a formula (e.g. Li6PS5Cl) or upload a CIF")
    try:
        key = resolve_material(text.strip())
    except PlacementError as exc:
        raise ScreenError(str(exc)) from exc
    records = records_of(key)
    return Candidate(key, _family(records, key), _carrier(records, key), "formula")


def read_cif(data: bytes) -> Structure:
    """The structure in an uploaded CIF. Raises ScreenError with a readable reason."""
    if len(data) > MAX_CIF_BYTES:
        raise ScreenError(f"the file is larger than {MAX_CIF_BYTES // 1_000_000} MB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    if "\x00" in text or "data_" not in text or "_cell_length_a" not in text:
        raise ScreenError("this is not a CIF (no data_ block with cell lengths)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # parser chatter on rounded occupancies
            structures = CifParser(io.StringIO(text)).parse_structures(primitive=False)
    except Exception as exc:  # noqa: BLE001 - any parser failure is the reason shown
        raise ScreenError(f"pymatgen cannot read this CIF: {exc}") from exc
    if not structures:
        raise ScreenError("pymatgen found no structure in this CIF")
    return structures[0]


def candidate_from_cif(data: bytes, name: str, records_of: RecordsOf) -> Candidate:
    """An uploaded CIF: its composition, family, structure summary and a temp copy for BVSE.

    `records_of(key)` gives the records to read once the key is known (`screen_records`)."""
    structure = read_cif(data)
    key = try_composition_key(structure.composition.reduced_formula)
    if not key:
        raise ScreenError(f"the CIF's formula {structure.composition.formula!r} does not parse")
    sha = hashlib.sha256(data).hexdigest()
    UPLOAD_DIR.mkdir(parents=True, exist_ok=True)
    path = UPLOAD_DIR / f"{sha}.cif"
    if not path.exists():
        path.write_bytes(data)
    lat = structure.lattice
    records = records_of(key)
    return Candidate(
        key, _family(records, key), _carrier(records, key), f"CIF {name}",
        cif_path=path, cif_sha256=sha, summary=summarize_structure(structure),
        lattice=dict(zip(("a", "b", "c", "alpha", "beta", "gamma"),
                         (*lat.abc, *lat.angles), strict=True)),
    )  # fmt: skip


def predict_sigma(candidate: Candidate, model: ConductivityModel) -> dict | None:
    """The conductivity model's log10 sigma and 80% interval, with the CIF's summary if any."""
    row = {"composition": candidate.composition_key, "family_label": candidate.family}
    if candidate.summary:
        s = candidate.summary
        row.update(candidate.lattice, space_group=s["space_group"], sg_number=s["sg_number"],
                   cif_density=s["density"], cif_volume_per_atom=s["volume_per_atom"],
                   cif_li_partial=s["li_partial"], cif_other_partial=s["other_partial"],
                   cif_min_li_li=s["min_li_li"], cif_min_li_anion=s["min_li_anion"],
                   cif_path=str(candidate.cif_path))  # fmt: skip
    pred = model.predict(pd.DataFrame([row]))
    if pred.empty:
        return None
    return {k: round(float(v), 3) for k, v in pred.iloc[0].items()} | {"version": model.version}


def predict_ea(candidate: Candidate, model: EaModel) -> dict:
    """The descriptor model's Ea (eV) with its 80% split-conformal interval."""
    vpa = candidate.summary.get("volume_per_atom") if candidate.summary else None
    pred = model.predict(candidate_descriptors(candidate.composition_key, candidate.carrier, vpa))
    return {k: round(float(v), 3) for k, v in pred.iloc[0].items()} | {"version": model.version}


def bvse_barrier(candidate: Candidate) -> BvseResult:
    """BVSE percolation barriers of the uploaded CIF (cached by its hash); never raises."""
    if candidate.cif_path is None:
        raise ScreenError("the BVSE barrier needs a CIF")
    return cached_compute(candidate.cif_path)


def positions(
    records: pd.DataFrame,
    candidate: Candidate,
    *,
    sigma: dict | None,
    ea: dict | None,
    bvse: BvseResult | None,
) -> pd.DataFrame:
    """Percentile of each screened number in its family's cohort and in the whole family.

    Args:
        records: every cohort record, or `screen_records` of the candidate's key.
    """
    asks = []
    if sigma:
        asks.append(("predicted log10 sigma", "sigma", 10 ** sigma["pred_log10_sigma"], "S/cm", "EXP"))
    if ea:
        asks.append(("predicted Ea", "Ea", ea["pred_ea_ev"], "eV", "EXP"))
    if bvse and bvse.e_3d_ev is not None:
        asks.append(("BVSE 3D barrier", "Em", bvse.e_3d_ev, "eV", "BVSE"))
    rows = []
    for label, prop, value, unit, method in asks:
        p = place_value(records, pd.DataFrame(), material=candidate.composition_key,
                        property=prop, value=value, unit=unit, method=method)  # fmt: skip
        rows.append({
            "quantity": label, "value": p.value, "unit": p.unit,
            "cohort": f"{p.family} · {prop} · {p.method_label}", "cohort_n": p.cohort_n,
            "cohort_percentile": p.cohort_percentile, "family_n": p.family_n,
            "family_percentile": p.family_percentile,
        })  # fmt: skip
    return pd.DataFrame(rows)


def bvse_row(candidate: Candidate, result: BvseResult) -> dict:
    """The template row that records a user CIF's BVSE barrier, with its provenance."""
    if result.status != "ok":
        raise ScreenError(f"no barrier to commit: {result.reason}")
    if result.e_3d_ev is None or not math.isfinite(result.e_3d_ev):
        raise ScreenError(f"no 3D percolation below {PARAMS['encut']} eV: no number to commit")
    notes = (
        f"{result.tool} {result.tool_version} 3D percolation barrier of {result.mobile_ion} "
        f"(E_1D {result.e_1d_ev}, E_2D {result.e_2d_ev} eV); params {result.params}; "
        f"oxidation states {result.oxidation_states} by {result.oxidation_rule}; "
        f"{candidate.origin}, sha256 {result.cif_sha256}; screened in sse-audit"
    )
    return {"material": candidate.composition_key, "property": "Em",
            "value": f"{result.e_3d_ev}", "unit": "eV", "method": "BVSE",
            "reference": f"sse-audit screen: BVSE of {candidate.origin}", "notes": notes}  # fmt: skip


def bundled_cif(cif_id: str) -> bytes:
    """The bytes of a bundled OBELiX CIF by its ID (e.g. '019'). Raises ScreenError if none."""
    name = (cif_id or "").strip()
    path = DEFAULT_CIFS / f"{name}.cif"
    if not name.isalnum() or not path.is_file():
        raise ScreenError(f"no bundled OBELiX CIF with ID {name!r}")
    return path.read_bytes()
