"""Training and evaluation data: OBELiX splits, any two-column table, the guarded extra sources."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

from auditor.features import parse_sigma
from auditor.model.settings import OBELIX_DIR
from db.composition import try_composition_key


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
    """Liverpool Ionics rows measured near room temperature, as model inputs with targets."""
    raw = pd.read_csv(root / "misc" / "LiIonDatabase.csv", encoding="utf-8-sig")
    raw = raw[raw["temperature"].between(t_min_c, t_max_c)]
    frame = pd.DataFrame(
        {
            "composition": raw["composition"].astype(str),
            "family_raw": raw["family"],
            "doi": raw["source"].astype(str).str.strip().str.lower(),
            "log10_sigma": pd.to_numeric(raw["log_target"], errors="coerce"),
            "censored": False,
        }
    )
    frame["composition_key"] = frame["composition"].map(try_composition_key)
    return frame.reset_index(drop=True)


def training_frame(*, extra: bool = False, root: Path = OBELIX_DIR) -> pd.DataFrame:
    """OBELiX train, plus (with `extra`) Liverpool rows whose composition is in neither split.

    Every extra row goes through `exclude_compositions` with the test split's keys, so no
    test material reaches training; train compositions are excluded too, so a material
    OBELiX already holds is not counted twice.
    """
    train = load_obelix("train", root=root)
    if not extra:
        return train
    test_keys = set(load_obelix("test", root=root)["composition_key"].dropna())
    more = exclude_compositions(load_liverpool(root=root), test_keys)
    more = exclude_compositions(more, set(train["composition_key"].dropna()))
    more = more.drop_duplicates("composition_key")  # one row per material: no reweighting
    return pd.concat([train, more], ignore_index=True)
