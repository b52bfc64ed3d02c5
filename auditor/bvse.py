"""BVSE percolation barriers of the mobile ion for one crystal structure (bvlain).

One CIF in, the 1D/2D/3D percolation barriers of the mobile ion out (eV), with the tool name and
version, the parameters, the mobile ion, the oxidation-state method used and the CIF's SHA-256.
The bond-valence site energy (BVSE) of a probe ion is computed on a grid over the framework of
the other ions; the nD percolation barrier is the lowest energy (above the grid minimum) at which
the accessible region connects the cell to its images in n directions.

Rules (also stated in `data/bvse/README.md`):

- **Oxidation states** are assigned with pymatgen before the calculation; the first rule that
  yields integer states wins: (1) `BVAnalyzer` on the structure (bond-valence sums, charge
  balanced; bvlain's own choice, with its forbidden species O- and P3-); (2) pymatgen's
  `Composition.oxi_state_guesses` (common/ICSD states, exact charge balance; integer compositions
  only), its most probable guess with integer states; (3) nearest balance: one state per element
  from the same pymatgen lists, the mobile ion fixed at its nominal charge, every anion more
  electronegative than every cation, the combination with the smallest net charge over the CIF's
  fractional composition (ties to pymatgen's ICSD occurrence prior), accepted if the net charge is
  within 2% of the total cation charge. Rule 3 exists because refined occupancies are rarely
  exactly neutral (Li24.024P4S20Br4), which defeats rules 1-2 on most disordered structures,
  argyrodites included. The cell's net charge under the assigned states is reported
  (`net_charge_e`). States bvlain cannot use (the mobile ion not at its nominal charge, Li +1;
  an anion without BVSE parameters, such as BVAnalyzer's S-1 in some thiophosphates) give way to
  the next rule (rule 3 offers its 5 best assignments in order). A structure no rule serves
  fails with each rule's reason.
- **Partial occupancy and disorder.** The mobile ion's own sites are removed (BVSE probes the
  framework of the other ions, so the mobile ion's occupancy and disorder do not enter). Every
  other site contributes each species on it, at the site's position, with its Morse (bond-valence)
  and Coulomb terms weighted by that species' occupancy: a site half Ge and half P adds half a Ge
  and half a P; a 0.9-occupied site adds 0.9 of its ion. This is the occupancy-weighted average
  site energy of softBV (Chen & Adams); it needs no supercell ordering, so it is deterministic and
  as fast as an ordered structure. (bvlain itself accepts ordered structures only; the weighting is
  applied by scaling its per-ion Morse depth `d0` and charge after it has looked up the parameters.)
- **Barriers above `encut`** (no percolation below it) are reported as infinite and written as an
  empty value with `percolates_nd = False`; they are a result (no path below the cutoff), not a
  failure.

Results are cached by CIF hash (and a fingerprint of the parameters and tool version) under
`var/bvse_cache/`, so the slow calculation runs once per structure.

`sse-audit bvse compute [--cifs DIR] [--out FILE] [--workers N]` computes every CIF in DIR
(default: the bundled OBELiX CIFs) and writes the shipped data file `data/bvse/bvse_barriers.csv`.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import itertools
import json
import math
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

import numpy as np
from pymatgen.analysis.bond_valence import BVAnalyzer
from pymatgen.core import Composition, Species, Structure

TOOL = "bvlain"
MOBILE_ION = "Li1+"
MOBILE_ELEMENT = "Li"
MOBILE_CHARGE = 1
Z_MOBILE = 3  # atomic number of the mobile element (Li)
# bvlain's documented defaults (README example: 10 Å cutoff, 100 neighbours per grid point,
# screening factor 0.74, 5 eV search window), except the grid: 0.3 Å instead of 0.2 Å, a third of
# the points, so the 321 bundled CIFs run in under an hour on one shared core (checked on an
# argyrodite: 0.352 eV at 0.2 Å, 0.371 eV at 0.3 Å; Li3OCl: 0.498 eV at both).
PARAMS: dict[str, object] = {
    "r_cut": 10.0,
    "resolution": 0.3,
    "k": 100,
    "f": 0.74,
    "use_softbv_covalent_radii": False,
    "encut": 5.0,
}
# bvlain's BVAnalyzer call excludes these species (peroxide-like O-, phosphide P3-).
FORBIDDEN_SPECIES = ["O-", "P3-"]
OXI_RULES = ("bv_analyzer", "composition_guess", "nearest_balance")
# Largest net charge, as a fraction of the total cation charge, the nearest-balance rule accepts
# (refined CIF occupancies are rarely exactly neutral: Li24.024P4S20Br4 is 0.05% off).
BALANCE_TOLERANCE = 0.02
# How many nearest-balance assignments (best first) are offered before the structure fails.
NEAREST_BALANCE_TRIES = 5
# A structure taking longer than this is stopped and reported as failed (timeout).
TIMEOUT_S = 900
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CIFS = ROOT / "data" / "obelix" / "cifs" / "all_randomized_cifs"
DEFAULT_OUT = ROOT / "data" / "bvse" / "bvse_barriers.csv"
DEFAULT_CACHE = ROOT / "var" / "bvse_cache"
# Composition guesses over more sites than this are skipped by pymatgen's own guard.
GUESS_MAX_SITES = -50


@dataclass(frozen=True)
class BvseResult:
    """One structure's BVSE percolation barriers, or why there are none."""

    cif_id: str
    cif_sha256: str
    mobile_ion: str
    status: str  # "ok" or "failed"
    e_1d_ev: float | None
    e_2d_ev: float | None
    e_3d_ev: float | None
    percolates_1d: bool | None
    percolates_2d: bool | None
    percolates_3d: bool | None
    oxidation_rule: str | None
    oxidation_states: str | None
    net_charge_e: float | None
    disordered: bool | None
    reason: str | None
    tool: str
    tool_version: str
    params: str
    seconds: float


CSV_FIELDS = [f.name for f in fields(BvseResult)]


def tool_version() -> str:
    """The installed bvlain version (pinned in requirements.txt)."""
    return version(TOOL)


def params_json() -> str:
    """The calculation's parameters as canonical JSON (mobile ion included)."""
    return json.dumps({"mobile_ion": MOBILE_ION, **PARAMS}, sort_keys=True)


def file_sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _integer_states(states: dict[str, float]) -> dict[str, int] | None:
    if all(float(v).is_integer() for v in states.values()):
        return {el: int(v) for el, v in states.items()}
    return None


def _occurrence(symbol: str, state: int) -> float:
    """pymatgen's ICSD occurrence count of a species (the prior its own guesses rank by)."""
    if Composition.oxi_prob is None:
        Composition("Li2O").oxi_state_guesses()  # loads pymatgen's table into the class
    return float(Composition.oxi_prob.get(Species(symbol, state), 0.0))


def nearest_balance_candidates(composition: Composition) -> list[dict[str, int]]:
    """Integer states per element for a composition with fractional (refined) amounts, best first.

    Candidates are pymatgen's default lists (ICSD states, else common states); the mobile element
    is fixed at its nominal charge; every negative element must be more electronegative (Pauling)
    than every positive one. Combinations within `BALANCE_TOLERANCE` of neutral, smallest net
    charge first, ties going to the highest summed log ICSD occurrence. Raises ValueError when
    there is none.
    """
    elements = sorted(composition.elements, key=lambda el: el.symbol)
    options = []
    for el in elements:
        if el.symbol == MOBILE_ELEMENT:
            options.append((MOBILE_CHARGE,))
            continue
        states = tuple(q for q in (el.icsd_oxidation_states or el.common_oxidation_states) if q)
        if not states:
            raise ValueError(f"no known oxidation state for {el.symbol}")
        options.append(states)
    amounts = np.array([composition[el] for el in elements], dtype=float)
    chi = np.array([el.X for el in elements], dtype=float)
    scored: list[tuple[float, float, tuple[int, ...]]] = []
    for combo in itertools.product(*options):
        q = np.array(combo, dtype=float)
        if (q < 0).any() and (q > 0).any() and chi[q < 0].min() <= chi[q > 0].max():
            continue
        positive = float((amounts * q)[q > 0].sum())
        if positive <= 0:
            continue
        imbalance = abs(float((amounts * q).sum())) / positive
        prior = sum(
            math.log1p(_occurrence(el.symbol, s)) for el, s in zip(elements, combo, strict=True)
        )
        scored.append((round(imbalance, 9), -prior, combo))
    scored.sort(key=lambda item: item[:2])  # stable: exact ties keep pymatgen's list order
    accepted = [combo for imbalance, _, combo in scored if imbalance <= BALANCE_TOLERANCE]
    if not accepted:
        found = f"{scored[0][0]:.1%}" if scored else "no candidate"
        raise ValueError(
            f"no assignment within {BALANCE_TOLERANCE:.0%} of neutral (nearest: {found})"
        )
    return [
        {el.symbol: int(s) for el, s in zip(elements, combo, strict=True)} for combo in accepted
    ]


def nearest_balance_states(composition: Composition) -> tuple[dict[str, int], float]:
    """The first of `nearest_balance_candidates`, and its net charge over `composition`."""
    states = nearest_balance_candidates(composition)[0]
    net = float(sum(composition[el] * states[el.symbol] for el in composition.elements))
    return states, net


def net_charge(structure: Structure) -> float:
    """Occupancy-weighted net charge of a decorated structure's cell."""
    return float(sum(occ * sp.oxi_state for site in structure for sp, occ in site.species.items()))


def _oxidation_candidates(
    structure: Structure, failures: list[str]
) -> Iterator[tuple[Structure, str]]:
    """Each rule's integer-state decoration, in rule order; a rule that gives none says why."""
    try:
        decorated = BVAnalyzer(
            forbidden_species=FORBIDDEN_SPECIES
        ).get_oxi_state_decorated_structure(structure)
        if all(float(sp.oxi_state).is_integer() for site in decorated for sp in site.species):
            yield decorated, "bv_analyzer"
        else:
            failures.append("bv_analyzer: non-integer states")
    except ValueError as exc:
        failures.append(f"bv_analyzer: {exc}")
    composition = Composition(structure.composition.element_composition)
    try:
        guesses = composition.oxi_state_guesses(max_sites=GUESS_MAX_SITES)
        states = next((s for s in map(_integer_states, guesses) if s is not None), None)
        if states is None:
            failures.append("composition_guess: no charge-balanced integer assignment")
        else:
            decorated = structure.copy()
            decorated.add_oxidation_state_by_element(states)
            yield decorated, "composition_guess"
    except ValueError as exc:
        failures.append(f"composition_guess: {exc}")
    try:
        candidates = nearest_balance_candidates(composition)
    except ValueError as exc:
        failures.append(f"nearest_balance: {exc}")
        return
    for states in candidates[:NEAREST_BALANCE_TRIES]:
        decorated = structure.copy()
        decorated.add_oxidation_state_by_element(states)
        yield decorated, "nearest_balance"


def states_text(structure: Structure) -> str:
    """`Br-1 Li+1 P+5 S-2`: the distinct species of a decorated structure."""
    states = sorted({(sp.symbol, int(sp.oxi_state)) for site in structure for sp in site.species})
    return " ".join(f"{el}{q:+d}" for el, q in states)


def assign_oxidation_states(
    structure: Structure, accept: Callable[[Structure], str | None] | None = None
) -> tuple[Structure, str]:
    """Decorate `structure` with integer oxidation states; returns it and the rule that worked.

    Order: BVAnalyzer; pymatgen's composition guesses (integer compositions only); the nearest
    charge balance over the fractional composition. `accept` may refuse a rule's states (it
    returns the reason), and the next rule is tried. Raises ValueError naming each rule's failure.
    """
    failures: list[str] = []
    for decorated, rule in _oxidation_candidates(structure, failures):
        problem = accept(decorated) if accept else None
        if problem is None:
            return decorated, rule
        failures.append(f"{rule}: {states_text(decorated)}: {problem}")
    raise ValueError("oxidation states: " + "; ".join(failures))


@lru_cache(maxsize=1)
def _morse_table() -> dict:
    """bvlain's Morse parameters for the mobile ion: {Z of counter-ion: {charge: params}}."""
    # bvlain's own parameter file, read as its _get_params reads it.
    import pickle

    from bvlain import Lain

    with open(Lain(verbose=False).cation_file, "rb") as fh:
        return pickle.load(fh)[Z_MOBILE][MOBILE_CHARGE]


def usable_for_bvse(structure: Structure) -> str | None:
    """Why bvlain cannot run on these states (mobile-ion charge, missing parameters), or None."""
    species = {(sp.symbol, sp.Z, int(sp.oxi_state)) for site in structure for sp in site.species}
    bad = [q for el, _, q in species if el == MOBILE_ELEMENT and q != MOBILE_CHARGE]
    if bad:
        return f"{MOBILE_ELEMENT} assigned {bad[0]:+d}, not {MOBILE_CHARGE:+d}"
    table = _morse_table()
    missing = sorted(f"{el}{q:+d}" for el, z, q in species if q < 0 and q not in table.get(z, {}))
    if missing:
        return f"bvlain has no BVSE parameters for {MOBILE_ION} with {', '.join(missing)}"
    return None


def _framework_atoms(structure: Structure):
    """ase Atoms with one atom per (site, species), carrying integer oxi states and occupancies."""
    # ase is bvlain's own dependency; imported here with it so the module loads without them.
    from ase import Atoms

    numbers, positions, charges, occupancy = [], [], [], []
    for site in structure:
        for species, occ in site.species.items():
            if not isinstance(species, Species) or species.oxi_state is None:
                raise ValueError(f"site species {species} has no oxidation state")
            numbers.append(species.Z)
            positions.append(site.coords)
            charges.append(int(species.oxi_state))
            occupancy.append(float(occ))
    atoms = Atoms(numbers=numbers, positions=positions, cell=structure.lattice.matrix, pbc=True)
    atoms.set_array("oxi_states", np.array(charges, dtype=float))
    atoms.set_array("occupancy", np.array(occupancy, dtype=float))
    return atoms


def _weighted_lain_class():
    """bvlain's Lain with every framework ion's Morse depth and charge weighted by occupancy."""
    # bvlain is heavy (ase, joblib) and needed only when a calculation runs.
    from bvlain import Lain

    class OccupancyWeightedLain(Lain):
        def _get_params(self, mobile_ion=None, use_softbv_covalent_radii=False):
            # bvlain looks parameters up by integer charge; weight only after the lookup.
            try:
                super()._get_params(mobile_ion, use_softbv_covalent_radii=use_softbv_covalent_radii)
            except KeyError:
                raise ValueError(_missing_params(self.atoms, mobile_ion)) from None
            occ = self.atoms.get_array("occupancy")
            self.atoms.set_array("d0", self.atoms.get_array("d0") * occ)
            self.atoms.set_array("oxi_states", self.atoms.get_array("oxi_states") * occ)

    return OccupancyWeightedLain


def _missing_params(atoms, mobile_ion: str) -> str:
    """Name the framework ions bvlain has no BVSE (Morse) parameters for with the mobile ion."""
    # bvlain's own parameter table, read as its _get_params reads it.
    import pickle

    from ase.data import chemical_symbols
    from bvlain import Lain

    table_path = (
        Lain(verbose=False).anion_file if "-" in mobile_ion else Lain(verbose=False).cation_file
    )
    with open(table_path, "rb") as fh:
        table = pickle.load(fh)[Z_MOBILE][MOBILE_CHARGE]
    missing = sorted(
        {
            f"{chemical_symbols[z]}{int(q):+d}"
            for z, q in zip(atoms.numbers, atoms.get_array("oxi_states"), strict=True)
            if q < 0 and int(q) not in table.get(int(z), {})
        }
    )
    return f"bvlain has no BVSE parameters for {mobile_ion} with {', '.join(missing) or 'an ion'}"


class _Timeout(Exception):
    pass


def _alarm(signum, frame):  # noqa: ARG001 - signal handler signature
    raise _Timeout()


def _finite(value: float) -> tuple[float | None, bool]:
    value = float(value)
    return (round(value, 4), True) if math.isfinite(value) else (None, False)


def compute_cif(path: str | Path, timeout_s: int | None = TIMEOUT_S) -> BvseResult:
    """BVSE percolation barriers of the mobile ion for one CIF; never raises for a bad structure.

    A structure the tool cannot handle comes back with status "failed" and the tool's reason.
    """
    path = Path(path)
    start = time.perf_counter()
    base = {
        "cif_id": path.stem,
        "cif_sha256": file_sha256(path),
        "mobile_ion": MOBILE_ION,
        "tool": TOOL,
        "tool_version": tool_version(),
        "params": params_json(),
    }
    rule = species_text = disordered = net = None
    # SIGALRM exists on the main thread only (a Streamlit page runs in another: no timeout there).
    use_alarm = (
        bool(timeout_s) and hasattr(signal, "SIGALRM")
        and threading.current_thread() is threading.main_thread()
    )
    if use_alarm:
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(int(timeout_s))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # CIF parser chatter on every file
            structure = Structure.from_file(str(path))
        disordered = not structure.is_ordered
        if MOBILE_ELEMENT not in {el.symbol for el in structure.composition.elements}:
            raise ValueError(f"no {MOBILE_ELEMENT} in the structure")
        # A rule whose states bvlain cannot use (Li not +1, an anion without parameters, such
        # as BVAnalyzer's S-1 in some thiophosphates) gives way to the next rule.
        decorated, rule = assign_oxidation_states(structure, accept=usable_for_bvse)
        species_text = states_text(decorated)
        net = round(net_charge(decorated), 4)
        calc = _weighted_lain_class()(verbose=False)
        atoms = _framework_atoms(decorated)
        # What Lain.read_structure would set, without its ordered-only BVAnalyzer round trip.
        calc.st, calc.atoms_copy, calc.cell = decorated, atoms, atoms.cell
        # Grid points on a framework ion divide by zero; bvlain zeroes those terms (nan_to_num).
        with np.errstate(divide="ignore", invalid="ignore"):
            calc.bvse_distribution(
                mobile_ion=MOBILE_ION,
                r_cut=PARAMS["r_cut"],
                resolution=PARAMS["resolution"],
                k=PARAMS["k"],
                f=PARAMS["f"],
                use_softbv_covalent_radii=PARAMS["use_softbv_covalent_radii"],
            )
        with warnings.catch_warnings():
            # bvlain 0.25.1 imports scipy.ndimage.measurements, deprecated in scipy 1.x.
            warnings.simplefilter("ignore", DeprecationWarning)
            energies = calc.percolation_barriers(encut=PARAMS["encut"])
        (e1, p1), (e2, p2), (e3, p3) = (_finite(energies[f"E_{d}D"]) for d in (1, 2, 3))
        return BvseResult(
            **base, status="ok", e_1d_ev=e1, e_2d_ev=e2, e_3d_ev=e3,
            percolates_1d=p1, percolates_2d=p2, percolates_3d=p3,
            oxidation_rule=rule, oxidation_states=species_text, net_charge_e=net, disordered=disordered,
            reason=None, seconds=round(time.perf_counter() - start, 2),
        )  # fmt: skip
    except _Timeout:
        reason = f"timeout: no result within {timeout_s} s"
    except Exception as exc:  # noqa: BLE001 - any tool error is this structure's reason
        reason = f"{type(exc).__name__}: {exc}"
    finally:
        if use_alarm:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
    return BvseResult(
        **base, status="failed", e_1d_ev=None, e_2d_ev=None, e_3d_ev=None,
        percolates_1d=None, percolates_2d=None, percolates_3d=None,
        oxidation_rule=rule, oxidation_states=species_text, net_charge_e=net, disordered=disordered,
        reason=reason[:500], seconds=round(time.perf_counter() - start, 2),
    )  # fmt: skip


def _cache_key(sha: str) -> str:
    fingerprint = hashlib.sha256(f"{tool_version()}|{params_json()}".encode()).hexdigest()[:12]
    return f"{sha}-{fingerprint}"


def cached_compute(path: str | Path, cache_dir: str | Path = DEFAULT_CACHE) -> BvseResult:
    """`compute_cif`, read from / written to the cache keyed by CIF hash and parameters."""
    path, cache_dir = Path(path), Path(cache_dir)
    target = cache_dir / f"{_cache_key(file_sha256(path))}.json"
    if target.exists():
        data = json.loads(target.read_text())
        data["cif_id"] = path.stem  # the same file may be cached under another name
        return BvseResult(**data)
    result = compute_cif(path)
    if not (result.reason or "").startswith("timeout"):
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(asdict(result)))
        tmp.replace(target)  # never a half-written cache entry
    return result


def _csv_value(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def write_csv(results: list[BvseResult], out: str | Path) -> None:
    """Write the results (sorted by CIF id) atomically."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    with tmp.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for result in sorted(results, key=lambda r: r.cif_id):
            writer.writerow({k: _csv_value(v) for k, v in asdict(result).items()})
    tmp.replace(out)


def _cell_volume(path: Path) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return Structure.from_file(str(path)).volume
        except Exception:  # noqa: BLE001 - an unreadable CIF fails later with its reason
            return math.inf


def compute_all(
    cif_dir: str | Path, out: str | Path, workers: int = 1, cache_dir: str | Path = DEFAULT_CACHE
) -> list[BvseResult]:
    """Compute (or read from the cache) every `*.cif` in `cif_dir` and write the CSV to `out`."""
    # Smallest cells first (cost grows with the grid), so an interrupted run has done the most.
    paths = sorted(Path(cif_dir).glob("*.cif"), key=lambda p: (_cell_volume(p), p.name))
    results: list[BvseResult] = []
    with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {pool.submit(cached_compute, p, cache_dir): p for p in paths}
        for done, future in enumerate(as_completed(futures), 1):
            r = future.result()
            results.append(r)
            print(
                f"[{done}/{len(paths)}] {r.cif_id} {r.status} e3d={r.e_3d_ev} "
                f"{r.seconds:.1f}s {r.reason or ''}",
                file=sys.stderr,
                flush=True,
            )
            write_csv(results, out)  # after every structure: an interrupted run keeps its rows
    write_csv(results, out)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sse-audit bvse")
    sub = parser.add_subparsers(dest="command", required=True)
    compute = sub.add_parser("compute", help="BVSE barriers for every CIF in a folder")
    compute.add_argument("--cifs", default=str(DEFAULT_CIFS))
    compute.add_argument("--out", default=str(DEFAULT_OUT))
    compute.add_argument("--workers", type=int, default=1)
    compute.add_argument("--cache", default=str(DEFAULT_CACHE))
    one = sub.add_parser("one", help="BVSE barriers for one CIF (JSON on stdout, not cached)")
    one.add_argument("cif")
    args = parser.parse_args(argv)
    if args.command == "one":
        print(json.dumps(asdict(compute_cif(args.cif))))
        return 0
    results = compute_all(args.cifs, args.out, workers=args.workers, cache_dir=args.cache)
    ok = sum(r.status == "ok" for r in results)
    print(
        json.dumps(
            {"structures": len(results), "ok": ok, "failed": len(results) - ok, "out": args.out}
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
