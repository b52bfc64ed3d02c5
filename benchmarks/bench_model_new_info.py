"""The BVSE barrier and the predicted Ea as new information for the conductivity model.

Run: python benchmarks/bench_model_new_info.py. Same protocol as `bench_model.py --cv`: the
default kind (`DEFAULT_KIND`) on the store's training frame (OBELiX train split + guarded
Liverpool rows), repeated grouped CV (`CV_REPEATS` shuffled passes, groups DOI x composition),
MAE scored on the OBELiX rows. Candidates add, per row's composition key:
- `bvse_e3d_ev`: the median BVSE 3D barrier of the store's `BVSE` `Em` records (NaN elsewhere);
- `pred_ea_ev`: the saved Ea model's mean out-of-fold prediction for compositions it was trained
  on, its prediction elsewhere (the Ea model never sees sigma; it sees experimental Ea of the same
  papers, so this is information the sigma model did not have, not its target).
Pre-registered rule (`auditor/model/settings.py`): a candidate replaces the default only if its
repeated grouped-CV MAE beats the default's by more than one CV SD (1.478 - 0.052 = 1.426).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from auditor.cohorts import load_records  # noqa: E402
from auditor.ea_model import candidate_descriptors, load_ea_model  # noqa: E402
from auditor.features import feature_frame  # noqa: E402
from auditor.model import (  # noqa: E402
    DEFAULT_KIND,
    DEFAULT_KIND_CV,
    cv_metrics,
    out_of_fold,
    training_frame,
    training_groups,
)
from db.connection import connect  # noqa: E402


def main() -> None:
    con = connect(read_only=True)
    ea_model = load_ea_model()
    if ea_model is None:
        sys.exit("no saved Ea model: start the app once")
    frame = training_frame(con, extra=True)
    data = frame[np.isfinite(frame["log10_sigma"].astype(float))]
    feats, mask = feature_frame(data)
    data = data[mask.to_numpy()]
    y = data["log10_sigma"].to_numpy(float)
    groups, scored = training_groups(data), data["obelix_id"].notna().to_numpy()
    records = load_records(con)
    bvse = records[(records["method"] == "BVSE") & (records["property"] == "Em")]
    bvse = bvse[bvse["censored"].isna()].groupby("composition_key")["value"].median()
    keys = data["composition_key"]
    carriers = records.groupby("composition_key")["carrier_ion"].agg(
        lambda s: s.dropna().mode().iloc[0] if s.notna().any() else None
    )
    pred_ea = []
    for key in keys:
        if not isinstance(key, str):
            pred_ea.append(np.nan)
        elif key in ea_model.oof_by_key:
            pred_ea.append(ea_model.oof_by_key[key])
        else:
            row = candidate_descriptors(key, carriers.get(key) or "Li", None)
            pred_ea.append(float(ea_model.predict(row)["pred_ea_ev"].iloc[0]))
    extra = pd.DataFrame(
        {"bvse_e3d_ev": keys.map(bvse).to_numpy(float), "pred_ea_ev": pred_ea}, index=feats.index
    )
    print(json.dumps({"rows": len(y), "scored": int(scored.sum()),
                      "with_bvse": int(extra["bvse_e3d_ev"].notna().sum()),
                      "with_pred_ea": int(extra["pred_ea_ev"].notna().sum())}), flush=True)  # fmt: skip
    threshold = DEFAULT_KIND_CV["mae"] - DEFAULT_KIND_CV["mae_sd"]
    for name, cols in [("default", []), ("+bvse", ["bvse_e3d_ev"]), ("+pred_ea", ["pred_ea_ev"]),
                       ("+bvse+pred_ea", ["bvse_e3d_ev", "pred_ea_ev"])]:  # fmt: skip
        t0 = time.perf_counter()
        x = pd.concat([feats, extra[cols]], axis=1) if cols else feats
        oof = out_of_fold(DEFAULT_KIND, x, y, groups)
        m = cv_metrics(y, oof, scored)
        per = [round(float(np.abs(o[scored] - y[scored]).mean()), 3) for o in oof]
        print(json.dumps({"candidate": name, "mae": round(m["mae"], 4),
                          "mae_sd": round(m.get("mae_sd", float("nan")), 4), "per_repeat": per,
                          "passes_rule": bool(m["mae"] < threshold) if cols else None,
                          "threshold": round(threshold, 3),
                          "seconds": round(time.perf_counter() - t0, 1)}), flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
