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


# `SSE_AUDIT_STORE` values that name a DuckLake store instead of the DuckDB file.
TEAM_PREFIXES = ("postgresql://", "postgres://")
LAKE_PREFIX = "lake:"


def store_location(path: str | os.PathLike | None = None) -> str:
    """Where the store is, as one string: a DuckDB file path, or a lake setting.

    An explicit `path` wins (a file path or a `postgresql://...` setting); else
    `SSE_AUDIT_STORE` when it names a team store (`postgresql://USER@HOST:PORT/DB?data_path=P`)
    or a one-machine lake (`lake:DIR`); else the DuckDB file (`db_path`), the default.
    """
    if path:
        return str(path)
    setting = os.environ.get("SSE_AUDIT_STORE", "").strip()
    if is_lake(setting):
        return setting
    return str(db_path())


def is_lake(location: str | os.PathLike | None) -> bool:
    """True when `location` names a DuckLake store (team or `lake:DIR`), not a DuckDB file."""
    text = str(location or "")
    return text.startswith(TEAM_PREFIXES) or text.startswith(LAKE_PREFIX)


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
