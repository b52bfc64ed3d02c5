"""The pandas flag influence the SQL one (`auditor.triage.flag_influence`) replaced, kept only as
the reference the tests compare against on the real store (issue 15). Not used by the app."""

from __future__ import annotations

import pandas as pd

from auditor.cohorts import COHORT_KEYS, paired_materials, with_variant
from core.vocab import EXPERIMENT


def _without(values: pd.DataFrame, record_key: str) -> float | None:
    rest = values.loc[values["record_key"] != record_key, "value"]
    return float(rest.median()) if len(rest) else None


def _shift(diffs: pd.Series, material: str, new_diff: float | None) -> float:
    base = float(diffs.median())
    changed = diffs.drop(material) if new_diff is None else diffs.copy()
    if new_diff is not None:
        changed[material] = new_diff
    return abs(base) if changed.empty else abs(float(changed.median()) - base)


def flag_influence_reference(records: pd.DataFrame, flags: pd.DataFrame) -> pd.DataFrame:
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


