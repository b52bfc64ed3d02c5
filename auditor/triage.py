"""Flag triage: open flags grouped by cohort and rule, what matters first, reviewed a group at a time.

What matters first (the stated order):
1. flags on experimental records (an experimental value is the reference every computed cohort
   of that material is measured against);
2. then flags whose record moves a cohort's statistics most: `bias_shift` is how far the median
   bias of the map's cohorts (`auditor.cohorts.paired_materials`, the same pairing) moves when
   this one record is left out; the largest move over the cohorts it touches is kept;
3. then the rule's own |score|.
Groups are ordered by the same keys: any experimental flag, largest shift, then size.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from auditor.cohorts import (
    COHORT_KEYS,
    REFERENCE_PROPERTY,
    UNITS,
    CohortInput,
    cohort_input,
)
from auditor.cohorts import (
    cohort_values as family_values,
)
from core.vocab import EXPERIMENT
from db import cohort_sql
from db.flags import review_flags
from db.triage_sql import leave_one_out


def parse_cohort_label(label: str | None) -> dict[str, str] | None:
    """family/property/method[/variant] of a flag's cohort; None for labels of other rules."""
    parts = str(label or "").split("/")
    if len(parts) not in (3, 4) or parts[1] not in UNITS:
        return None
    return {
        "family": parts[0],
        "property": parts[1],
        "method": parts[2],
        "variant": parts[3] if len(parts) == 4 else "",
    }


def replaced_medians(diffs: np.ndarray, old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Median of `diffs` with one value equal to each `old` replaced by the matching `new`
    (left out where `new` is NaN); NaN where nothing is left. Order statistics on the sorted
    array, so each of many replacements costs O(log n), not a copy and a sort."""
    d = np.sort(np.asarray(diffs, float))
    old, new = np.asarray(old, float), np.asarray(new, float)
    n = len(d)
    pos = np.clip(np.searchsorted(d, old), 0, n - 1)

    def without(j: np.ndarray) -> np.ndarray:  # element j of d with d[pos] removed
        return d[np.clip(j + (j >= pos), 0, n - 1)]

    drop = np.isnan(new)
    m = n - 1
    dropped = (without(np.full_like(pos, (m - 1) // 2)) + without(np.full_like(pos, m // 2))) / 2
    dropped = np.where(m > 0, dropped, np.nan)
    below = np.searchsorted(d, np.where(drop, 0.0, new)) - (d[pos] < new)

    def with_new(j: int) -> np.ndarray:  # element j of d with d[pos] replaced by new
        return np.where(j < below, without(np.full_like(pos, j)),
                        np.where(j == below, new, without(np.full_like(pos, j - 1))))  # fmt: skip

    replaced = (with_new((n - 1) // 2) + with_new(n // 2)) / 2
    return np.where(drop, dropped, replaced)


_INFLUENCE_COLUMNS = ["record_key", "is_experimental", "bias_shift", "moved_cohort"]


def flag_influence(records: CohortInput, flags: pd.DataFrame) -> pd.DataFrame:
    """Per flag: is_experimental, bias_shift (0 when it touches no paired cohort), moved_cohort.

    Set work in SQL (`db.triage_sql.leave_one_out`: each flagged record's group median without
    it); numpy only on each cohort's array of paired differences.

    Args:
        records: a store connection or a `load_records` frame (`auditor.cohorts.cohort_input`).
        flags: `db.flags.list_flags` rows (record_key, rule, ...).
    """
    keys = flags["record_key"]
    with cohort_input(records) as src:
        rec = leave_one_out(src, list(dict.fromkeys(keys)), EXPERIMENT)
        pairs = cohort_sql.paired_materials(src, REFERENCE_PROPERTY)
    pairs = pairs.assign(cohort_order=pairs.groupby(COHORT_KEYS, sort=False).ngroup())
    rec = rec.assign(is_experimental=rec["method"] == EXPERIMENT)
    exp, computed = rec[rec["is_experimental"]], rec[~rec["is_experimental"]]
    # An experimental record moves every cohort paired with its material's reference value.
    on_exp = exp[["record_key", "property", "composition_key", "rest_median"]].merge(
        pairs, left_on=["property", "composition_key"],
        right_on=["reference_property", "composition_key"], suffixes=("_rec", ""),
    )  # fmt: skip
    on_exp["new_diff"] = on_exp["value"] - on_exp["rest_median"]
    # A computed record moves its own cohort's difference for its material.
    on_computed = computed[["record_key", *COHORT_KEYS, "composition_key", "rest_median"]].merge(
        pairs, on=[*COHORT_KEYS, "composition_key"]
    )
    on_computed["new_diff"] = on_computed["rest_median"] - on_computed["exp_value"]
    touched = pd.concat([on_exp, on_computed], ignore_index=True)
    touched["shift"] = 0.0
    for order, rows in touched.groupby("cohort_order").groups.items():
        diffs = pairs.loc[pairs["cohort_order"] == order, "diff"].to_numpy(float)
        base = float(np.median(diffs))
        part = touched.loc[rows]
        medians = replaced_medians(diffs, part["diff"], part["new_diff"].astype(float))
        touched.loc[rows, "shift"] = np.where(
            np.isnan(medians), abs(base), np.abs(medians - base)
        )
    touched["moved_cohort"] = [
        "/".join(filter(None, key))
        for key in zip(*(touched[k] for k in COHORT_KEYS), strict=True)
    ]
    touched["is_experimental"] = touched["record_key"].isin(exp["record_key"])
    # The largest move, the first cohort among equals; an experimental record that moves
    # nothing names no cohort.
    best = touched.sort_values(
        ["record_key", "shift", "cohort_order"], ascending=[True, False, True], kind="stable"
    ).drop_duplicates("record_key")
    best.loc[best["is_experimental"] & (best["shift"] <= 0), "moved_cohort"] = None
    out = pd.DataFrame({"record_key": keys.to_numpy()})
    out["is_experimental"] = out["record_key"].isin(exp["record_key"])
    found = best.set_index("record_key")
    out["bias_shift"] = out["record_key"].map(found["shift"]).fillna(0.0).round(4)
    out["moved_cohort"] = out["record_key"].map(found["moved_cohort"])
    out["moved_cohort"] = out["moved_cohort"].astype(object).where(out["moved_cohort"].notna(), None)
    return out[_INFLUENCE_COLUMNS]


def prioritized_flags(records: CohortInput, flags: pd.DataFrame) -> pd.DataFrame:
    """The flags with their influence, in the stated order (see the module docstring)."""
    influence = flag_influence(records, flags).drop_duplicates("record_key")
    out = flags.merge(influence, on="record_key", how="left")
    out["abs_score"] = out["score"].abs()
    out = out.sort_values(
        ["is_experimental", "bias_shift", "abs_score"], ascending=False, kind="stable"
    )
    return out.drop(columns="abs_score").reset_index(drop=True)


def flag_groups(prioritized: pd.DataFrame) -> pd.DataFrame:
    """Open flags per (cohort, rule): count, experimental count, largest bias shift; ordered."""
    columns = ["cohort", "rule", "flags", "experimental", "max_bias_shift"]
    if prioritized.empty:
        return pd.DataFrame(columns=columns)
    frame = prioritized.assign(cohort=prioritized["cohort"].fillna("(none)"))
    groups = (
        frame.groupby(["cohort", "rule"], sort=False)
        .agg(
            flags=("record_key", "size"),
            experimental=("is_experimental", "sum"),
            max_bias_shift=("bias_shift", "max"),
        )
        .reset_index()
    )
    groups["any_exp"] = groups["experimental"] > 0
    groups = groups.sort_values(
        ["any_exp", "max_bias_shift", "flags", "cohort"],
        ascending=[False, False, False, True],
        kind="stable",
    )
    return groups[columns].reset_index(drop=True)


def group_flags(prioritized: pd.DataFrame, cohort: str, rule: str) -> pd.DataFrame:
    """The flags of one group, in priority order."""
    frame = prioritized.assign(cohort=prioritized["cohort"].fillna("(none)"))
    return frame[(frame["cohort"] == cohort) & (frame["rule"] == rule)].reset_index(drop=True)


def cohort_values(con, cohort: str) -> pd.DataFrame:
    """The uncensored values of a flag cohort (family/property/method[/variant]) in the store
    behind `con`; empty if the label names no cohort."""
    key = parse_cohort_label(cohort)
    if key is None:
        return pd.DataFrame(columns=["record_key", "composition_key", "value"])
    values = family_values(con, family=key["family"], property=key["property"])
    mine = (values["method"] == key["method"]) & (values["variant"] == key["variant"])
    return values[mine].reset_index(drop=True)


def review_group(con, flags: pd.DataFrame, *, status: str, note: str, reviewer: str | None) -> int:
    """Confirm or dismiss every flag of a group with one note; each keeps its own review row."""
    keys = list(zip(flags["record_key"], flags["rule"], strict=True))
    return review_flags(con, keys, status=status, note=note, reviewer=reviewer)
