"""JSON for the command line: strict (no NaN), numpy and timestamps made plain."""

from __future__ import annotations

import json
import math


def plain(value):
    """A JSON-safe copy: NaN and infinities become null, numpy scalars and timestamps plain."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def dumps(value, **kwargs) -> str:
    """Strict JSON text of `value` (see `plain`)."""
    return json.dumps(plain(value), allow_nan=False, default=str, **kwargs)
