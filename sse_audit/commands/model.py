"""`sse-audit model train|evaluate|predict-store`: the conductivity model from the shell."""

from __future__ import annotations

import argparse
import json
import sys
import time

from auditor.features import feature_frame
from auditor.model import (
    comparison_report,
    load_model,
    load_table,
    save_model,
    train,
    train_official,
)
from db.config import db_path
from db.connection import snapshot
from pipeline.predictions import write_predictions_shared
from sse_audit.jsonout import dumps


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register `model` and its own subcommands."""
    parser = sub.add_parser("model", help="the conductivity model: train, evaluate, predict")
    parser.set_defaults(run=run)
    sub = parser.add_subparsers(dest="model_command", required=True)
    p_train = sub.add_parser("train", help="train on OBELiX's official train split and save")
    p_train.add_argument("--quick", action="store_true", help="small forests (tests, smoke)")
    p_train.add_argument(
        "--no-extra", action="store_true", help="OBELiX train only (no guarded Liverpool rows)"
    )
    p_train.add_argument("--store", action="store_true", help="also predict the store")
    p_train.add_argument(
        "--blocks",
        default="",
        help="opt-in descriptor blocks, comma-separated: chem, sites (default: none)",
    )
    p_eval = sub.add_parser("evaluate", help="test metrics and baselines")
    p_eval.add_argument("--json", action="store_true", help="print one JSON object")
    p_eval.add_argument("--train", help="CSV with composition,log10_sigma[,structure]")
    p_eval.add_argument("--test", help="CSV with composition,log10_sigma[,structure]")
    p_eval.add_argument("--quick", action="store_true")
    p_eval.add_argument("--retrain", action="store_true", help="ignore the saved model")
    sub.add_parser("predict-store", help="predict every sigma record with the latest model")


def _evaluate_files(train_path: str, test_path: str, *, quick: bool) -> dict:

    train_frame, test_frame = load_table(train_path), load_table(test_path)
    skipped = {}
    for name, frame in (("train", train_frame), ("test", test_frame)):
        finite = frame["log10_sigma"].notna()
        _, mask = feature_frame(frame[finite])
        skipped[name] = {
            "unparseable_composition": int((~mask).sum()),
            "missing_target": int((~finite).sum()),
        }
    kind = "et-median" if quick else None
    model = train(train_frame, kind=kind, quick=quick)
    report = comparison_report(model, train_frame, test_frame, quick=quick, importances=False)
    return {
        "test": report["test"],
        "baselines": report["baselines"],
        "model": report["model"],
        "skipped": skipped,
    }


def _evaluate_official(*, quick: bool, retrain: bool) -> dict:

    model = None if retrain else load_model()
    if model is None or "test" not in model.metrics:
        con = snapshot()
        try:
            model = train_official(con, quick=quick)
        finally:
            con.close()
    m = model.metrics
    return {
        "test": m["test"],
        "baselines": m["baselines"],
        "model": m["model"],
        "train_seconds": m.get("train_seconds"),
    }


def _print_table(result: dict) -> None:
    rows = [("model " + result["model"]["kind"], result["test"])]
    rows += [(name, vals) for name, vals in result["baselines"].items()]
    print(f"{'':28s} {'MAE':>6s} {'RMSE':>6s} {'R2':>6s} {'rho':>6s} {'n':>4s} {'cov80':>6s}")
    for name, v in rows:
        cells = [v.get(k) for k in ("mae", "rmse", "r2", "spearman")]
        text = " ".join(f"{c:6.3f}" if isinstance(c, float) else f"{'':6s}" for c in cells)
        n = v.get("n", v.get("n_measurements", ""))
        cov = v.get("coverage80")
        print(f"{name:28s} {text} {n!s:>4s} {cov:6.2f}" if cov else f"{name:28s} {text} {n!s:>4s}")
    if "skipped" in result:
        print("skipped:", json.dumps(result["skipped"]))


def run(args: argparse.Namespace) -> int:
    """Run `model train|evaluate|predict-store`."""
    if args.model_command == "train":

        t0 = time.perf_counter()
        blocks = tuple(b for b in args.blocks.split(",") if b)
        con = snapshot()  # training takes minutes: it reads a copy, the file stays free
        try:
            model = train_official(con, quick=args.quick, extra=not args.no_extra, blocks=blocks)
        finally:
            con.close()
        path = save_model(model)
        print(
            json.dumps(
                {
                    "version": model.version,
                    "path": str(path),
                    "seconds": round(time.perf_counter() - t0, 1),
                    "test": model.metrics["test"],
                }
            )
        )
        if args.store:
            return _predict_store(model)
        return 0
    if args.model_command == "predict-store":

        model = load_model()
        if model is None:
            print("no saved model; run `sse-audit model train`", file=sys.stderr)
            return 1
        return _predict_store(model)
    if bool(args.train) != bool(args.test):
        print("--train and --test go together", file=sys.stderr)
        return 2
    if args.train:
        result = _evaluate_files(args.train, args.test, quick=args.quick)
    else:
        result = _evaluate_official(quick=args.quick, retrain=args.retrain)
    if args.json:
        print(dumps(result))
    else:
        _print_table(result)
    return 0


def _predict_store(model) -> int:
    # Reads the inputs, predicts with no connection open, then writes briefly: other
    # processes keep reading and writing the store while the model runs.
    done = write_predictions_shared(db_path(), sigma=model)
    print(json.dumps({"version": model.version, "predictions_written": done.sigma_written}))
    return 0
