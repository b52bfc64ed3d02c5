"""Training and evaluation data from the store: OBELiX's official split, the guarded extra sources.

Every row the model trains or is scored on is read through `db.model_inputs` (records, the
entries' official split and lattice, the CIF summaries); the only file read here is a user's
own table (`load_table`, for `model evaluate --train A.csv --test B.csv`).
"""

from __future__ import annotations

import math
import os

import duckdb
import numpy as np
import pandas as pd

from auditor.arrhenius import MIN_SPAN_K, MIN_TEMPERATURES, arrhenius_fit
from auditor.features import CIF_SUMMARY_COLUMNS, censored_target
from core.composition import try_composition_key
from core.constants import IMPLIED_ROOM_TEMPERATURE_K, MODEL_RT_WINDOW_K, shift_log10_sigma
from core.vocab import ObelixSplit
from db.config import REPO_ROOT
from db.model_inputs import liverpool_sigma_rows, obelix_split_rows

_ENTRY_NUMBERS = ("z", "sg_number", "a", "b", "c", "alpha", "beta", "gamma")


def cif_file_path(path: object) -> str | None:
    """The store keeps CIF paths relative to the repository; the 'sites' block opens them."""
    if not isinstance(path, str) or not path:
        return None
    return path if os.path.isabs(path) else str(REPO_ROOT / path)


def obelix_split(con: duckdb.DuckDBPyConnection, split: ObelixSplit | None = None) -> pd.DataFrame:
    """One OBELiX split ('train', 'test'; None: every row) as model inputs with targets.

    Columns: those of `auditor.features.INPUT_COLUMNS` plus obelix_id, doi, composition_key,
    log10_sigma and censored. Censored rows carry the imputed target (`censored_target`).
    """
    raw = obelix_split_rows(con, split)
    frame = pd.DataFrame(
        {
            "obelix_id": raw["obelix_id"],
            "composition": raw["material_raw"],
            "cell_composition": raw["cell_composition"],
            "space_group": raw["space_group"],
            **{c: pd.to_numeric(raw[c], errors="coerce") for c in _ENTRY_NUMBERS},
            "family_label": raw["family_raw"],
            # Grouping key: one paper whatever the DOI's case.
            "doi": raw["doi"].str.strip().str.lower(),
            "cif_path": raw["cif_path"].map(cif_file_path),
            **{c: raw[c] for c in CIF_SUMMARY_COLUMNS},
            "log10_sigma": censored_target(raw["log10_value"], raw["censored"]),
            "censored": raw["censored"].eq("<"),
            "composition_key": raw["composition_key"],
        }
    )
    return frame


def load_table(path: str | os.PathLike) -> pd.DataFrame:
    """A user table with `composition,log10_sigma` and optional structure columns.

    Optional: space_group, a, b, c, alpha, beta, gamma, density (and z, family, doi).
    Rows are kept as they are; `feature_frame` decides which compositions parse.
    """
    raw = pd.read_csv(path)
    missing = {"composition", "log10_sigma"} - set(raw.columns)
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    frame = pd.DataFrame({"composition": raw["composition"].astype("string").fillna("")})
    for col in ("space_group", "a", "b", "c", "alpha", "beta", "gamma", "density", "z"):
        frame[col] = raw[col] if col in raw.columns else np.nan
    frame["family_label"] = raw["family"] if "family" in raw.columns else None
    frame["doi"] = raw["doi"] if "doi" in raw.columns else None
    frame["log10_sigma"] = pd.to_numeric(raw["log10_sigma"], errors="coerce")
    frame["censored"] = False
    frame["composition_key"] = frame["composition"].map(lambda s: try_composition_key(str(s)))
    return frame


def exclude_compositions(frame: pd.DataFrame, keys: set[str]) -> pd.DataFrame:
    """Drop rows whose canonical composition is in `keys` (and rows with no key at all).

    This is the guard that keeps test-split materials out of any extra training source:
    a row we cannot key cannot be proven absent from the test split, so it goes too.
    """
    key = frame["composition_key"]
    return frame[key.notna() & ~key.isin(keys)].copy()


def training_groups(frame: pd.DataFrame) -> np.ndarray:
    """Group ids joining rows that share a DOI or a composition (connected components)."""
    parent = list(range(len(frame)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for col in ("doi", "composition_key"):
        if col not in frame.columns:
            continue
        first: dict[str, int] = {}
        for i, value in enumerate(frame[col].tolist()):
            if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
                continue
            if value in first:
                parent[find(i)] = find(first[value])
            else:
                first[value] = i
    return np.array([find(i) for i in range(len(frame))])


def reproducibility_floor(frame: pd.DataFrame) -> dict[str, float]:
    """Mean absolute deviation of repeated measurements of one material (log10 S/cm).

    For every composition key with at least two uncensored measurements, each measurement's
    absolute deviation from that material's mean; the floor is the mean over measurements.
    """
    data = frame[~frame["censored"] & frame["composition_key"].notna()]
    data = data[np.isfinite(data["log10_sigma"])]
    grouped = data.groupby("composition_key")["log10_sigma"]
    size = grouped.transform("size")
    dev = (data["log10_sigma"] - grouped.transform("mean")).abs()[size >= 2]
    return {
        "mae": float(dev.mean()),
        "n_measurements": int((size >= 2).sum()),
        "n_materials": int((grouped.size() >= 2).sum()),
    }


def liverpool_rows(
    con: duckdb.DuckDBPyConnection, window_k: tuple[float, float] | None = MODEL_RT_WINDOW_K
) -> pd.DataFrame:
    """Liverpool Ionics rows measured within `window_k` (None: at any temperature), with targets.

    `temperature_k` is the measurement temperature; `doi` is the paper's DOI or, where the
    dataset cites no DOI, its reference text (lower-cased: it only groups rows by paper).
    """
    raw = liverpool_sigma_rows(con, window_k)
    return pd.DataFrame(
        {
            "composition": raw["material_raw"],
            "family_label": raw["family_raw"],
            "doi": raw["doi"].fillna(raw["reference"]).str.strip().str.lower(),
            "log10_sigma": censored_target(raw["log10_value"], raw["censored"]),
            "censored": raw["censored"].eq("<"),
            "temperature_k": raw["temperature_k"].astype(float),
            "composition_key": raw["composition_key"],
        }
    )


# How guarded Liverpool rows join training (`training_frame(liverpool=...)`):
#   'rt'         one near-RT (20-30 °C) row per composition (the default);
#   'all'        every row at every temperature, with its temperature_k (for a model that
#                reads 1/T, the 'temperature' feature block);
#   'arrhenius'  'rt', plus, for compositions with no near-RT row, the 298 K value of an
#                Arrhenius fit (ln σT vs 1/T) of their series (>= 3 temperatures, >= 40 K);
#   'all+arrhenius'  'all' plus those extrapolated rows at 298 K;
#   'arrhenius-pooled'  'arrhenius', plus compositions with no fit: their measurement nearest
#                room temperature moved to 298 K with the median Ea of the guarded fits.
LIVERPOOL_MODES: tuple[str, ...] = (
    "rt",
    "all",
    "arrhenius",
    "all+arrhenius",
    "arrhenius-pooled",
)


def arrhenius_rows(frame: pd.DataFrame, skip_keys: set[str], *, pooled: bool = False):
    """One row per composition key not in `skip_keys` whose series has an Arrhenius fit.

    The row's target is the fit's log10 σ at 298 K (the highest-R² series when a
    composition has several sources); temperature_k is 298. With `pooled`, compositions
    with no fit also get a row: their measurement nearest 298 K, moved along a line of
    the median Ea of all qualifying fits in `frame`.
    """
    eas = []
    for _, series in frame.dropna(subset=["composition_key"]).groupby(["composition_key", "doi"]):
        temps = series["temperature_k"].to_numpy(float)
        if len(np.unique(temps)) >= MIN_TEMPERATURES and np.ptp(temps) >= MIN_SPAN_K:
            eas.append(arrhenius_fit(temps, 10.0 ** series["log10_sigma"].to_numpy(float)).ea_ev)
    ea = float(np.median(eas)) if eas else float("nan")
    out = []
    data = frame[frame["composition_key"].notna() & ~frame["composition_key"].isin(skip_keys)]
    for _key, group in data.groupby("composition_key", sort=True):
        best = None
        for _, series in group.groupby("doi", sort=True):
            temps = series["temperature_k"].to_numpy(float)
            if len(np.unique(temps)) < MIN_TEMPERATURES or np.ptp(temps) < MIN_SPAN_K:
                continue
            fit = arrhenius_fit(temps, 10.0 ** series["log10_sigma"].to_numpy(float))
            if best is None or (fit.r2 or 0) > (best[0].r2 or 0):
                best = (fit, series.iloc[0])
        if best is not None:
            row = best[1].copy()
            row["log10_sigma"] = best[0].log10_sigma_298
            row["temperature_k"] = IMPLIED_ROOM_TEMPERATURE_K
            out.append(row)
        elif pooled and math.isfinite(ea):
            row = group.loc[
                (group["temperature_k"] - IMPLIED_ROOM_TEMPERATURE_K).abs().idxmin()
            ].copy()
            row["log10_sigma"] = shift_log10_sigma(
                row["log10_sigma"], ea, float(row["temperature_k"]), IMPLIED_ROOM_TEMPERATURE_K
            )
            row["temperature_k"] = IMPLIED_ROOM_TEMPERATURE_K
            out.append(row)
    return pd.DataFrame(out, columns=frame.columns)


def training_frame(
    con: duckdb.DuckDBPyConnection, *, extra: bool = False, liverpool: str = "rt"
) -> pd.DataFrame:
    """OBELiX train, plus (with `extra`) Liverpool rows whose composition is in neither split.

    Every extra row goes through `exclude_compositions` with the test split's keys, so no
    test material reaches training; train compositions are excluded too, so a material
    OBELiX already holds is not counted twice. `liverpool` (one of `LIVERPOOL_MODES`)
    chooses which Liverpool rows join; every mode passes through the same guard.
    """
    train = obelix_split(con, "train")
    if not extra:
        return train
    if liverpool not in LIVERPOOL_MODES:
        raise ValueError(f"unknown Liverpool mode {liverpool!r}")
    test_keys = set(obelix_split(con, "test")["composition_key"].dropna())
    train_keys = set(train["composition_key"].dropna())
    rt = exclude_compositions(liverpool_rows(con), test_keys)
    rt = exclude_compositions(rt, train_keys)
    rt = rt.drop_duplicates("composition_key")  # one row per material: no reweighting
    if liverpool == "rt":
        return pd.concat([train, rt.drop(columns="temperature_k")], ignore_index=True)
    every = exclude_compositions(liverpool_rows(con, None), test_keys)
    every = exclude_compositions(every, train_keys)
    parts = [train.assign(temperature_k=np.nan)]
    if liverpool.startswith("all"):
        parts.append(every)
    else:
        parts.append(rt)
    if "arrhenius" in liverpool:
        pooled = liverpool.endswith("pooled")
        parts.append(arrhenius_rows(every, set(rt["composition_key"]), pooled=pooled))
    return pd.concat(parts, ignore_index=True)
