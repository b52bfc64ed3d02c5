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

from auditor.cohorts import COHORT_KEYS, UNITS, paired_materials, with_variant
from core.vocab import EXPERIMENT
from db.flags import review_flags


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


def _without(values: pd.DataFrame, record_key: str) -> float | None:
    rest = values.loc[values["record_key"] != record_key, "value"]
    return float(rest.median()) if len(rest) else None


def _shift(diffs: pd.Series, material: str, new_diff: float | None) -> float:
    base = float(diffs.median())
    changed = diffs.drop(material) if new_diff is None else diffs.copy()
    if new_diff is not None:
        changed[material] = new_diff
    return abs(base) if changed.empty else abs(float(changed.median()) - base)


def flag_influence(records: pd.DataFrame, flags: pd.DataFrame) -> pd.DataFrame:
    """Per flag: is_experimental, bias_shift (0 when it touches no paired cohort), moved_cohort.

    Args:
        records: `auditor.cohorts.load_records` output.
        flags: `db.flags.list_flags` rows (record_key, rule, ...).
    """
    frame = with_variant(records)
    usable = frame[frame["censored"].isna()]
    pairs = paired_materials(records)
    diffs = {
        key: group.set_index("composition_key")["diff"]
        for key, group in pairs.groupby(COHORT_KEYS, sort=False)
    }
    by_record = usable.set_index("record_key")
    by_cohort_material = dict(tuple(usable.groupby([*COHORT_KEYS, "composition_key"])))
    exp = usable[usable["method"] == EXPERIMENT]
    exp_by_material = dict(tuple(exp.groupby(["property", "composition_key"])))
    out = []
    for key in flags["record_key"]:
        shift, moved, is_exp = 0.0, None, False
        if key in by_record.index:
            rec = by_record.loc[key]
            rec = rec.iloc[0] if isinstance(rec, pd.DataFrame) else rec
            material, is_exp = rec["composition_key"], rec["method"] == EXPERIMENT
            if is_exp:
                new_ref = _without(exp_by_material[(rec["property"], material)], key)
                touched = pairs[
                    (pairs["reference_property"] == rec["property"])
                    & (pairs["composition_key"] == material)
                ]
                for row in touched.itertuples():
                    cohort = (row.family, row.property, row.method, row.variant)
                    new = None if new_ref is None else row.value - new_ref
                    s = _shift(diffs[cohort], material, new)
                    if s > shift:
                        shift, moved = s, "/".join(filter(None, cohort))
            else:
                cohort = (rec["family"], rec["property"], rec["method"], rec["variant"])
                if cohort in diffs and material in diffs[cohort].index:
                    mine = _without(by_cohort_material[(*cohort, material)], key)
                    exp_value = pairs.loc[
                        (pairs["composition_key"] == material)
                        & (pairs["family"] == cohort[0])
                        & (pairs["property"] == cohort[1])
                        & (pairs["method"] == cohort[2])
                        & (pairs["variant"] == cohort[3]),
                        "exp_value",
                    ].iloc[0]
                    new = None if mine is None else mine - exp_value
                    shift, moved = (
                        _shift(diffs[cohort], material, new),
                        "/".join(filter(None, cohort)),
                    )
        out.append(
            {
                "record_key": key,
                "is_experimental": bool(is_exp),
                "bias_shift": round(shift, 4),
                "moved_cohort": moved,
            }
        )
    return pd.DataFrame(
        out, columns=["record_key", "is_experimental", "bias_shift", "moved_cohort"]
    )


def prioritized_flags(records: pd.DataFrame, flags: pd.DataFrame) -> pd.DataFrame:
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


def cohort_values(records: pd.DataFrame, cohort: str) -> pd.DataFrame:
    """The uncensored values of a flag cohort (family/property/method[/variant]); empty if none."""
    key = parse_cohort_label(cohort)
    frame = with_variant(records)
    if key is None:
        return frame.iloc[0:0]
    mask = np.logical_and.reduce([frame[k] == key[k] for k in COHORT_KEYS])
    return frame[mask & frame["censored"].isna()].reset_index(drop=True)


def review_group(con, flags: pd.DataFrame, *, status: str, note: str, reviewer: str | None) -> int:
    """Confirm or dismiss every flag of a group with one note; each keeps its own review row."""
    keys = list(zip(flags["record_key"], flags["rule"], strict=True))
    return review_flags(con, keys, status=status, note=note, reviewer=reviewer)
