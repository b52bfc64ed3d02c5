"""Where does this value sit? A proposed number placed against the store; nothing is written.

Given a material, a property, a value with its unit and a method (and the method's variant),
`place_value` reports:
- its percentile in its cohort (family, property, method, variant) and in its family (the
  property across every method), over uncensored primary records, as the share of values
  below it plus half the share equal to it;
- the nearest materials: the family's materials whose median value of the property is closest;
- the conductivity model's prediction and 80% interval for the material (sigma only, where the
  store holds predictions for it);
- which flag rules would fire, by the same rules and thresholds as `auditor.outliers`.
The family comes from the store's records of the material, else from the normalizer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from auditor.cohorts import (
    REFERENCE_PROPERTY,
    UNITS,
    experimental_reference,
    load_records,
    with_family,
)
from auditor.model import interval_outliers
from auditor.outliers import MIN_COHORT, TOLERANCE, Z_THRESHOLD, modified_z
from auditor.search_terms import search_keys
from core.units import to_canonical
from core.vocab import EXPERIMENT

N_NEAREST = 5


class PlacementError(ValueError):
    """An input that cannot be placed; the message says why."""


@dataclass
class Placement:
    """What `place_value` found; every number says what it was computed over."""

    composition_key: str
    family: str
    property: str
    method_label: str
    value: float  # canonical: eV, or log10 S/cm for sigma
    unit: str
    cohort_n: int
    cohort_percentile: float | None
    family_n: int
    family_percentile: float | None
    nearest: pd.DataFrame
    model: dict | None
    model_note: str
    rules: list[dict] = field(default_factory=list)
    distribution: pd.DataFrame = field(default_factory=pd.DataFrame)


def percentile(values: np.ndarray, value: float) -> float | None:
    """Percent of `values` below `value`, plus half of those equal to it; None when empty."""
    x = np.asarray(values, dtype=float)
    if len(x) == 0:
        return None
    return round(100.0 * (np.sum(x < value) + 0.5 * np.sum(x == value)) / len(x), 1)


def resolve_material(text: str) -> str:
    """The composition key a name, acronym or formula stands for."""
    keys = search_keys(text)
    if not keys:
        raise PlacementError(f"{text!r} is not a formula or a name the normalizer knows")
    return keys[0]


def _family(records: pd.DataFrame, key: str) -> str:
    mine = records.loc[records["composition_key"] == key, "family"]
    if len(mine):
        return str(mine.mode().iloc[0])
    one = pd.DataFrame({"family": [None], "family_raw": [None], "composition_key": [key]})
    return str(with_family(one)["family"].iloc[0])


def placement_records(con, composition_key: str, property: str) -> pd.DataFrame:
    """The cohort records `place_value` reads for a material and a property, from the store
    behind `con`: the material's own (its family, its experimental reference) and its family's
    records of the property; a placement on them equals one on every record."""
    mine = load_records(con, composition_key=composition_key)
    family = _family(mine, composition_key)
    theirs = load_records(con, family=family, property=property)
    both = pd.concat([frame for frame in (mine, theirs) if len(frame)] or [mine])
    return both.drop_duplicates("record_id").sort_values("record_id").reset_index(drop=True)


def _rules(records, *, key, prop, method, variant, value, cohort_values, model) -> list[dict]:
    rules = []
    if len(cohort_values) + 1 >= MIN_COHORT:
        z = float(modified_z(np.append(cohort_values, value))[-1])
        rules.append(
            {
                "rule": "modified-z",
                "fires": abs(z) > Z_THRESHOLD,
                "detail": f"modified z {z:+.2f} in a cohort of {len(cohort_values) + 1} "
                f"(threshold ±{Z_THRESHOLD})",
            }
        )
    else:
        rules.append(
            {
                "rule": "modified-z",
                "fires": False,
                "detail": f"cohort too small ({len(cohort_values)} values; needs {MIN_COHORT - 1})",
            }
        )
    if method != EXPERIMENT:
        ref = experimental_reference(records)
        ref = ref[(ref["property"] == REFERENCE_PROPERTY[prop]) & (ref["composition_key"] == key)]
        if len(ref):
            diff = value - float(ref["exp_value"].iloc[0])
            rules.append(
                {
                    "rule": "vs-experiment",
                    "fires": abs(diff) > TOLERANCE[prop],
                    "detail": f"{diff:+.3g} {UNITS[prop]} from the experimental "
                    f"{REFERENCE_PROPERTY[prop]} median (tolerance ±{TOLERANCE[prop]})",
                }
            )
        else:
            rules.append(
                {"rule": "vs-experiment", "fires": False, "detail": "no experimental value"}
            )
    if prop == "sigma":
        if model is None:
            rules.append({"rule": "model-residual", "fires": False, "detail": "no prediction"})
        else:
            row = {"record_key": "(proposed)", "log10_value": value, **model}
            fired = interval_outliers(pd.DataFrame([row]))
            rules.append(
                {
                    "rule": "model-residual",
                    "fires": bool(fired),
                    "detail": fired[0]["reason"] if fired else "within the model's margin",
                }
            )
    return rules


def place_value(
    records: pd.DataFrame,
    predictions: pd.DataFrame,
    *,
    material: str,
    property: str,
    value: str | float,
    unit: str,
    method: str,
    variant: str = "",
) -> Placement:
    """Place a proposed value (see the module docstring). Raises PlacementError with a reason.

    Args:
        records: `auditor.cohorts.load_records` output, or `placement_records` of the
            material and property (the same answer from a slice of the store).
        predictions: `db.lookups.material_predictions` for the material (may be empty).
    """
    if property not in UNITS:
        raise PlacementError(f"property must be one of {', '.join(UNITS)}")
    key = resolve_material(material)
    try:
        canonical = to_canonical(property, value, unit)
    except ValueError as exc:
        raise PlacementError(str(exc)) from exc
    x = canonical.log10_value if property == "sigma" else canonical.value
    family = _family(records, key)
    usable = records[records["censored"].isna() & (records["property"] == property)]
    fam = usable[usable["family"] == family]
    variant = "" if method == EXPERIMENT else variant
    cohort = fam[(fam["method"] == method) & (fam["variant"] == variant)]
    per_material = fam.groupby("composition_key")["value"].agg(["median", "size"]).reset_index()
    per_material = per_material[per_material["composition_key"] != key]
    per_material["distance"] = (per_material["median"] - x).abs()
    nearest = per_material.nsmallest(N_NEAREST, "distance").round(4)
    model, note = None, "the model predicts room-temperature sigma only"
    if property == "sigma":
        if predictions.empty:
            note = "the store holds no model prediction for this material"
        else:
            model = {
                "pred_log10_sigma": float(predictions["pred_log10_sigma"].median()),
                "lo80": float(predictions["lo80"].median()),
                "hi80": float(predictions["hi80"].median()),
            }
            note = (
                f"median over {len(predictions)} predicted records of the material, model "
                f"{predictions['model_version'].iloc[0]}"
            )
    label = f"{method} ({variant})" if variant else method
    distribution = pd.concat(
        [
            cohort.assign(slice=f"cohort {label}")[["slice", "composition_key", "value"]],
            fam.assign(slice=f"family {family}")[["slice", "composition_key", "value"]],
        ],
        ignore_index=True,
    )
    return Placement(
        composition_key=key,
        family=family,
        property=property,
        method_label=label,
        value=round(float(x), 4),
        unit=UNITS[property],
        cohort_n=len(cohort),
        cohort_percentile=percentile(cohort["value"], x),
        family_n=len(fam),
        family_percentile=percentile(fam["value"], x),
        nearest=nearest,
        model=model,
        model_note=note,
        rules=_rules(
            records,
            key=key,
            prop=property,
            method=method,
            variant=variant,
            value=x,
            cohort_values=cohort["value"].to_numpy(float),
            model=model,
        ),
        distribution=distribution,
    )
