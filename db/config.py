"""Where things live: the store file, the bundled data and the external-data folder."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_DATA = REPO_ROOT / "data"
DEFAULT_DB_PATH = REPO_ROOT / "var" / "sse_audit.duckdb"


def db_path(path: str | os.PathLike | None = None) -> Path:
    """The store file: an explicit path, else `SSE_AUDIT_DB`, else `var/sse_audit.duckdb`."""
    if path:
        return Path(path)
    env = os.environ.get("SSE_AUDIT_DB")
    return Path(env) if env else DEFAULT_DB_PATH


def external_data_dir() -> Path | None:
    """The folder holding sources we may read but not redistribute (Devi et al. 2025).

    `SSE_AUDIT_EXTERNAL_DATA` wins; otherwise `../shared/data` beside the repository when it
    exists. None when there is no such folder: the build then notes the source as absent.
    """
    env = os.environ.get("SSE_AUDIT_EXTERNAL_DATA")
    if env:
        return Path(env)
    default = REPO_ROOT.parent / "shared" / "data"
    return default if default.is_dir() else None
