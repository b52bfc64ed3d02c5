"""A light-descriptor screen of experimental Ea: simple descriptors, a small model, grouped CV.

Descriptors (pymatgen element data, no fitted embeddings):
- composition statistics, atom-fraction weighted: mean, spread (std), min and max of Pauling
  electronegativity, average ionic radius and atomic mass; number of elements;
- the carrier ion: its formal charge (its most common oxidation state, so Li/Na +1, Mg +2) and
  its atom fraction;
- where an OBELiX CIF exists for the composition: volume per atom and volume per carrier ion
  (empty elsewhere; the model handles missing values).

Target: every uncensored primary experimental Ea record (eV); a material reported by several
papers appears once per report. Cross-validation is grouped so that no composition and no DOI is
on both sides of a split: the groups are the connected components of the composition-DOI graph.
The baseline is the training folds' median Ea. Repeats reshuffle which groups form each fold.

`sse-audit descriptors evaluate [--json]` prints MAE of the model and the baseline.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import warnings
from functools import cache

import numpy as np
import pandas as pd
from pymatgen.core import Composition, Element

from db.connection import connect
from db.ea_data import experimental_ea, structure_volumes

ELEMENT_DATA = {
    "X": "electronegativity",
    "average_ionic_radius": "ionic_radius",
    "atomic_mass": "mass",
}
N_SPLITS = 5
N_REPEATS = 5
SEED = 20250101


@cache
def _element_value(symbol: str, attribute: str) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pymatgen warns on elements without a value
        value = getattr(Element(symbol), attribute)
    try:
        value = float(value)
    except (TypeError, ValueError):
        return math.nan
    return value if value > 0 else math.nan  # pymatgen reports "no value" as 0 for some


@cache
def composition_descriptors(key: str, carrier: str | None) -> dict[str, float]:
    """Composition statistics and carrier-ion terms of one composition key."""
    comp = Composition(key).fractional_composition
    symbols = [el.symbol for el in comp.elements]
    weights = np.array([comp[s] for s in symbols], dtype=float)
    out: dict[str, float] = {"n_elements": float(len(symbols))}
    for attribute, name in ELEMENT_DATA.items():
        values = np.array([_element_value(s, attribute) for s in symbols], dtype=float)
        ok = ~np.isnan(values)
        if not ok.any():
            for stat in ("mean", "std", "min", "max"):
                out[f"{name}_{stat}"] = math.nan
            continue
        w = weights[ok] / weights[ok].sum()
        mean = float((w * values[ok]).sum())
        out[f"{name}_mean"] = mean
        out[f"{name}_std"] = float(np.sqrt((w * (values[ok] - mean) ** 2).sum()))
        out[f"{name}_min"] = float(values[ok].min())
        out[f"{name}_max"] = float(values[ok].max())
    carrier = carrier if carrier in symbols else None
    if carrier:
        states = Element(carrier).common_oxidation_states
        out["carrier_charge"] = float(max(states, key=abs)) if states else math.nan
        out["carrier_fraction"] = float(comp[carrier])
    else:
        out["carrier_charge"] = out["carrier_fraction"] = math.nan
    return out


@cache
def parses(key: str) -> bool:
    """True when pymatgen reads the composition key as a formula (descriptors need one)."""
    try:
        Composition(key)
    except (ValueError, KeyError, TypeError):
        return False
    return True


def descriptor_frame(ea: pd.DataFrame, volumes: pd.DataFrame) -> pd.DataFrame:
    """One row per Ea record: the descriptors, the target `ea_ev`, and `group` for the CV.

    Records whose composition key is not a formula pymatgen reads are left out (they have no
    descriptors); how many, over how many keys, is in `frame.attrs["skipped_records"]` and
    `frame.attrs["skipped_keys"]`.
    """
    ok = ea["composition_key"].map(lambda k: isinstance(k, str) and parses(k))
    skipped = ea.loc[~ok, "composition_key"]
    ea = ea[ok]
    rows = [
        composition_descriptors(k, c)
        for k, c in zip(ea["composition_key"], ea["carrier_ion"], strict=True)
    ]
    frame = pd.DataFrame(rows, index=ea.index)
    vol = volumes.groupby("composition_key")["volume_per_atom"].median()
    frame["volume_per_atom"] = ea["composition_key"].map(vol)
    frame["volume_per_carrier"] = frame["volume_per_atom"] / frame["carrier_fraction"]
    frame["ea_ev"] = ea["ea_ev"].astype(float)
    frame["family"] = ea["family"].fillna("unknown")
    frame["composition_key"] = ea["composition_key"]
    frame["group"] = composition_doi_groups(ea["composition_key"], ea["doi"])
    frame.attrs.update(skipped_records=int(len(skipped)), skipped_keys=int(skipped.nunique()))
    return frame


def composition_doi_groups(keys: pd.Series, dois: pd.Series) -> np.ndarray:
    """Connected components of the composition-DOI graph: no key and no DOI spans two groups."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for key, doi in zip(keys, dois, strict=True):
        a = find(f"k:{key}")
        if isinstance(doi, str) and doi:
            b = find(f"d:{doi}")
            if a != b:
                parent[b] = a
    roots = [find(f"k:{key}") for key in keys]
    codes = {r: i for i, r in enumerate(dict.fromkeys(roots))}
    return np.array([codes[r] for r in roots])


FEATURES_EXCLUDED = ("ea_ev", "family", "composition_key", "group")


def make_regressor(seed: int = SEED):
    """The Ea model's estimator: small absolute-error gradient boosting (one definition)."""
    from sklearn.ensemble import HistGradientBoostingRegressor  # heavy import, CLI/model only

    return HistGradientBoostingRegressor(
        loss="absolute_error", max_depth=3, learning_rate=0.05, max_iter=300,
        min_samples_leaf=10, random_state=seed,
    )  # fmt: skip


def feature_columns(frame: pd.DataFrame) -> list[str]:
    """The model's input columns of a `descriptor_frame`."""
    return [c for c in frame.columns if c not in FEATURES_EXCLUDED]


def out_of_fold(
    frame: pd.DataFrame, *, n_splits: int = N_SPLITS, n_repeats: int = N_REPEATS, seed: int = SEED
) -> tuple[np.ndarray, np.ndarray]:
    """Repeated grouped CV: (model, training-median) out-of-fold predictions, (n_repeats, n)."""
    from sklearn.model_selection import GroupKFold  # heavy import, CLI/model only
    from threadpoolctl import threadpool_limits  # heavy import, CLI/model only

    x = frame[feature_columns(frame)].to_numpy(float)
    y = frame["ea_ev"].to_numpy(float)
    groups = frame["group"].to_numpy()
    pred_all = np.full((n_repeats, len(y)), np.nan)
    base_all = np.full((n_repeats, len(y)), np.nan)
    # One OpenMP thread: on a busy shared machine, spinning threads make a 7 s fit take minutes.
    with threadpool_limits(1):
        for r in range(n_repeats):
            cv = GroupKFold(n_splits=n_splits, shuffle=True, random_state=seed + r)
            for train, test in cv.split(x, y, groups):
                model = make_regressor(seed)
                model.fit(x[train], y[train])
                pred_all[r, test] = model.predict(x[test])
                base_all[r, test] = np.median(y[train])
    return pred_all, base_all


def evaluate(
    frame: pd.DataFrame, *, n_splits: int = N_SPLITS, n_repeats: int = N_REPEATS, seed: int = SEED
) -> dict:
    """Repeated grouped CV of a small gradient-boosted model against the training median."""
    features = feature_columns(frame)
    y = frame["ea_ev"].to_numpy(float)
    groups = frame["group"].to_numpy()
    pred_all, base_all = out_of_fold(frame, n_splits=n_splits, n_repeats=n_repeats, seed=seed)
    model_mae = np.abs(pred_all - y).mean(axis=1).tolist()
    base_mae = np.abs(base_all - y).mean(axis=1).tolist()
    # Per family: absolute errors averaged over repeats (each repeat predicts every record once).
    model_err = np.abs(pred_all - y).mean(axis=0)
    base_err = np.abs(base_all - y).mean(axis=0)
    by_family = {}
    for fam, idx in frame.groupby("family").indices.items():
        if len(idx) >= 10:
            by_family[fam] = {
                "n": int(len(idx)),
                "model_mae": round(float(model_err[idx].mean()), 4),
                "baseline_mae": round(float(base_err[idx].mean()), 4),
            }
    return {
        "n_records": int(len(y)),
        "n_compositions": int(frame["composition_key"].nunique()),
        "n_groups": int(len(np.unique(groups))),
        "with_structure": int(frame["volume_per_atom"].notna().sum()),
        "features": features,
        "cv": f"GroupKFold({n_splits}, shuffled) x {n_repeats} repeats, groups = composition-DOI components",
        "model": "HistGradientBoostingRegressor(absolute_error, depth 3, 300 iter, lr 0.05, leaf 10)",
        "model_mae": round(float(np.mean(model_mae)), 4),
        "model_mae_sd": round(float(np.std(model_mae)), 4),
        "baseline": "training-fold median",
        "baseline_mae": round(float(np.mean(base_mae)), 4),
        "baseline_mae_sd": round(float(np.std(base_mae)), 4),
        "by_family": by_family,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sse-audit descriptors")
    sub = parser.add_subparsers(dest="command", required=True)
    ev = sub.add_parser("evaluate", help="grouped-CV MAE of the Ea model against the median")
    ev.add_argument("--path", default=None)
    ev.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    con = connect(args.path, read_only=True)
    try:
        ea, volumes = experimental_ea(con), structure_volumes(con)
    finally:
        con.close()
    result = evaluate(descriptor_frame(ea, volumes))
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print(
            f"Ea model: MAE {result['model_mae']} ± {result['model_mae_sd']} eV against the median's "
            f"{result['baseline_mae']} ± {result['baseline_mae_sd']} eV "
            f"({result['n_records']} records, {result['n_groups']} groups; {result['cv']})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
