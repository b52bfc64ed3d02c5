"""Saving and loading trained models (joblib, with a latest.json pointer)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import joblib

from auditor.model.training import ConductivityModel
from db.config import REPO_ROOT


def models_dir() -> Path:
    """Where models are saved: `SSE_AUDIT_MODELS`, else `var/models/` in the repository."""
    env = os.environ.get("SSE_AUDIT_MODELS")
    return Path(env) if env else REPO_ROOT / "var" / "models"


def save_model(model: ConductivityModel, directory: str | os.PathLike | None = None) -> Path:
    """Write the model with joblib and point `latest.json` at it. Returns the artifact path."""
    folder = Path(directory) if directory else models_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{model.version}.joblib"
    joblib.dump(model, path, compress=3)
    latest = {"version": model.version, "path": path.name, "train_hash": model.train_hash}
    (folder / "latest.json").write_text(json.dumps(latest, indent=1))
    return path


def load_model(
    version: str | None = None, directory: str | os.PathLike | None = None
) -> ConductivityModel | None:
    """The saved model of `version` (default: the latest), or None when there is none."""
    folder = Path(directory) if directory else models_dir()
    if version is None:
        pointer = folder / "latest.json"
        if not pointer.is_file():
            return None
        version = json.loads(pointer.read_text())["version"]
    path = folder / f"{version}.joblib"
    return joblib.load(path) if path.is_file() else None
