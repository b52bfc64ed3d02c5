"""The room-temperature conductivity model: training, selection, intervals, persistence, store.

Modules: `settings` (constants), `data` (the store's OBELiX splits and guarded extra sources),
`estimators`, `validation` (grouped repeated CV, conformal intervals, metrics), `training`
(selection and the official report), `persist` (save/load), `predictions` (predicting the
store's records, interval flags), `report` (the Model page). Everything public is importable
from `auditor.model`.

Training and evaluation read the store (`db.model_inputs`): functions that need data take a
store connection. Training sees OBELiX's official train split only (plus, optionally, other sources after
`exclude_compositions` has removed every test-split composition). Model selection is
cross-validation grouped by DOI *and* composition, so neither a paper nor a material is on both
sides of a fold. Those groups chain into a few giant ones (NASICON ~130 rows, garnet ~70), so
one fixed `GroupKFold` assignment scores candidates by where the giants happen to land; the CV
is repeated `CV_REPEATS` times with shuffled group-to-fold assignment and averaged. It is
scored on the OBELiX rows only, because the test split is OBELiX: extra sources help train
but are not the population we report on. The 80% interval is split-conformal: the 80th
percentile of the out-of-fold absolute residuals of the selected model on those rows, added
either side of a prediction.
"""

from __future__ import annotations

from auditor.model.data import (
    exclude_compositions,
    liverpool_rows,
    load_table,
    obelix_split,
    reproducibility_floor,
    training_frame,
    training_groups,
)
from auditor.model.estimators import (
    KNN_DEFAULT,
    CompositionKNN,
    MeanOf,
    TreeMedianRegressor,
    make_estimator,
)
from auditor.model.persist import (
    load_model,
    models_dir,
    save_model,
)
from auditor.model.predictions import (
    compute_predictions,
    ensure_store_predictions,
    interval_outliers,
    model_beside_reported,
    predict_store,
    prediction_inputs,
    save_predictions,
    store_inputs,
)
from auditor.model.report import (
    comparison_table,
    cv_table,
    family_mae_figure,
    importance_figure,
    latest_report,
    latest_version,
    parity_figure,
)
from auditor.model.settings import (
    CANDIDATES,
    COVERAGE,
    CV_REPEATS,
    DEFAULT_KIND,
    DEFAULT_KIND_CV,
    MODEL_CODE_VERSION,
)
from auditor.model.training import (
    FEATURE_BLOCKS,
    ConductivityModel,
    block_importances,
    comparison_report,
    data_hash,
    evaluate,
    select_kind,
    train,
    train_default,
    train_official,
)
from auditor.model.validation import (
    conformal_halfwidth,
    cv_metrics,
    grouped_folds,
    out_of_fold,
    regression_metrics,
)
from db.predictions import predictions_for_records

__all__ = [
    "CANDIDATES",
    "COVERAGE",
    "CV_REPEATS",
    "CompositionKNN",
    "ConductivityModel",
    "DEFAULT_KIND",
    "DEFAULT_KIND_CV",
    "FEATURE_BLOCKS",
    "KNN_DEFAULT",
    "MODEL_CODE_VERSION",
    "MeanOf",
    "TreeMedianRegressor",
    "block_importances",
    "comparison_report",
    "comparison_table",
    "conformal_halfwidth",
    "cv_metrics",
    "cv_table",
    "data_hash",
    "ensure_store_predictions",
    "evaluate",
    "exclude_compositions",
    "family_mae_figure",
    "grouped_folds",
    "importance_figure",
    "interval_outliers",
    "latest_report",
    "latest_version",
    "liverpool_rows",
    "load_model",
    "load_table",
    "make_estimator",
    "model_beside_reported",
    "models_dir",
    "obelix_split",
    "out_of_fold",
    "parity_figure",
    "predict_store",
    "prediction_inputs",
    "compute_predictions",
    "save_predictions",
    "predictions_for_records",
    "regression_metrics",
    "reproducibility_floor",
    "save_model",
    "select_kind",
    "store_inputs",
    "train",
    "train_default",
    "train_official",
    "training_frame",
    "training_groups",
]
