"""Training and evaluation data: OBELiX splits, any two-column table, the guarded extra sources."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

from auditor.arrhenius import MIN_SPAN_K, MIN_TEMPERATURES, arrhenius_fit
from auditor.features import parse_sigma
from auditor.model.settings import OBELIX_DIR
from core.composition import try_composition_key
from core.constants import IMPLIED_ROOM_TEMPERATURE_K, shift_log10_sigma


def load_obelix(split: str = "train", *, root: Path = OBELIX_DIR) -> pd.DataFrame:
    """One OBELiX split ('train', 'test' or 'all') as model inputs with targets.

    Columns: those of `auditor.features.INPUT_COLUMNS` plus obelix_id, doi, composition_key,
    log10_sigma and censored.
    """
    name = {"train": "train.csv", "test": "test.csv", "all": "all.csv"}[split]
    raw = pd.read_csv(root / "downloads" / name, dtype=str, keep_default_na=False)
    parsed = raw["Ionic conductivity (S cm-1)"].map(parse_sigma)
    cif_dir = root / "cifs" / "all_randomized_cifs"
    cif = raw["ID"].map(lambda i: str(cif_dir / f"{i}.cif"))
    frame = pd.DataFrame(
        {
            "obelix_id": raw["ID"],
            "composition": raw["Reduced Composition"],
            "cell_composition": raw["True Composition"].replace("", None),
            "z": pd.to_numeric(raw["Z"], errors="coerce"),
            "space_group": raw["Space group"].replace("", None),
            "sg_number": pd.to_numeric(raw["Space group #"], errors="coerce"),
            **{c: pd.to_numeric(raw[c], errors="coerce") for c in ("a", "b", "c")},
            **{c: pd.to_numeric(raw[c], errors="coerce") for c in ("alpha", "beta", "gamma")},
            "family_raw": raw["Family"],
            "doi": raw["DOI"].str.strip().str.lower(),
            "cif_path": cif.where(cif.map(lambda p: Path(p).is_file()), None),
            "log10_sigma": parsed.map(lambda t: t[0]).astype(float),
            "censored": parsed.map(lambda t: t[1]).astype(bool),
        }
    )
    frame["composition_key"] = frame["composition"].map(try_composition_key)
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
    frame["family_raw"] = raw["family"] if "family" in raw.columns else None
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


def load_liverpool(*, root: Path = OBELIX_DIR, t_min_c: float = 20.0, t_max_c: float = 30.0):
    """Liverpool Ionics rows measured in [t_min_c, t_max_c] °C, as model inputs with targets.

    `temperature_k` is the measurement temperature (the file gives °C).
    """
    raw = pd.read_csv(root / "misc" / "LiIonDatabase.csv", encoding="utf-8-sig")
    raw = raw[raw["temperature"].between(t_min_c, t_max_c)]
    frame = pd.DataFrame(
        {
            "composition": raw["composition"].astype(str),
            "family_raw": raw["family"],
            "doi": raw["source"].astype(str).str.strip().str.lower(),
            "log10_sigma": pd.to_numeric(raw["log_target"], errors="coerce"),
            "censored": False,
            "temperature_k": pd.to_numeric(raw["temperature"], errors="coerce") + 273.15,
        }
    )
    frame["composition_key"] = frame["composition"].map(try_composition_key)
    return frame.reset_index(drop=True)


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
            row = group.loc[(group["temperature_k"] - IMPLIED_ROOM_TEMPERATURE_K).abs().idxmin()].copy()
            row["log10_sigma"] = shift_log10_sigma(
                row["log10_sigma"], ea, float(row["temperature_k"]), IMPLIED_ROOM_TEMPERATURE_K
            )
            row["temperature_k"] = IMPLIED_ROOM_TEMPERATURE_K
            out.append(row)
    return pd.DataFrame(out, columns=frame.columns)


def training_frame(
    *, extra: bool = False, root: Path = OBELIX_DIR, liverpool: str = "rt"
) -> pd.DataFrame:
    """OBELiX train, plus (with `extra`) Liverpool rows whose composition is in neither split.

    Every extra row goes through `exclude_compositions` with the test split's keys, so no
    test material reaches training; train compositions are excluded too, so a material
    OBELiX already holds is not counted twice. `liverpool` (one of `LIVERPOOL_MODES`)
    chooses which Liverpool rows join; every mode passes through the same guard.
    """
    train = load_obelix("train", root=root)
    if not extra:
        return train
    if liverpool not in LIVERPOOL_MODES:
        raise ValueError(f"unknown Liverpool mode {liverpool!r}")
    test_keys = set(load_obelix("test", root=root)["composition_key"].dropna())
    train_keys = set(train["composition_key"].dropna())
    rt = exclude_compositions(load_liverpool(root=root), test_keys)
    rt = exclude_compositions(rt, train_keys)
    rt = rt.drop_duplicates("composition_key")  # one row per material: no reweighting
    if liverpool == "rt":
        return pd.concat([train, rt.drop(columns="temperature_k")], ignore_index=True)
    every = exclude_compositions(load_liverpool(root=root, t_min_c=-273.15, t_max_c=1e4), test_keys)
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
