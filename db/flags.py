"""Reads and writes of outlier flags. Reviewing a flag changes the flag, never the records."""

from __future__ import annotations

import time

import duckdb
import pandas as pd

from core.vocab import FLAG_STATUSES
from db.connection import transaction
from db.engine import upsert_rows
from db.version import bump_store_version

_COMPUTED_KEY = "flags_computed_at"


def upsert_flags(
    con: duckdb.DuckDBPyConnection,
    flags: list[dict],
    rules: list[str],
    *,
    within: dict[str, list[str]] | None = None,
) -> int:
    """Write one flagging run of `rules` idempotently, in bulk (one statement per step).

    A flag already present (same record_key and rule) keeps its status, note and reviewer and
    gets the new score and reason; a flag the run no longer raises is marked inactive, not
    deleted, so its review stays on record.

    Args:
        within: rule -> the record keys that run covered (an ingest's touched cohorts); only
            those flags of that rule may go inactive. Rules not in it covered the whole store.

    Returns:
        The number of active flags of these rules after the run.
    """
    frame = pd.DataFrame(
        {
            "record_key": [f["record_key"] for f in flags],
            "rule": [f["rule"] for f in flags],
            "cohort": [f.get("cohort") for f in flags],
            "score": pd.array([f.get("score") for f in flags], dtype="Float64"),
            "reason": [f["reason"] for f in flags],
        }
    )
    # One run raises a (record, rule) once; a repeat would abort the bulk upsert.
    frame = frame.drop_duplicates(["record_key", "rule"], keep="last")
    whole = [r for r in rules if not within or r not in within]
    scoped = {r: keys for r, keys in (within or {}).items() if r in rules}
    # The scoped rules' covered keys as (rule, record_key) pairs: one UPDATE retires the whole
    # rules' flags and the covered ones of the scoped rules (a statement per rule was a catalog
    # round trip each on a team store).
    covered = pd.DataFrame(
        [(rule, key) for rule, keys in scoped.items() for key in keys],
        columns=["rule", "record_key"],
    ).astype(str)
    with transaction(con):
        con.register("_flags_covered", covered)
        try:
            con.execute(
                "UPDATE flags SET active = FALSE WHERE active AND (list_contains(?, rule) "
                "OR (rule, record_key) IN (SELECT rule, record_key FROM _flags_covered))",
                [whole],
            )
        finally:
            con.unregister("_flags_covered")
        frame["active"] = True
        # A new (record, rule) is inserted; a known one keeps its review and is updated.
        upsert_rows(
            con, "flags", ("record_key", "rule"), frame, update=("cohort", "score", "reason", "active")
        )
        bump_store_version(con, info={_COMPUTED_KEY: time.strftime("%Y-%m-%dT%H:%M:%S%z")})
    return con.execute(
        "SELECT count(*) FROM flags WHERE active AND list_contains(?, rule)", [rules]
    ).fetchone()[0]


def list_flags(
    con: duckdb.DuckDBPyConnection,
    *,
    status: str | None = None,
    rule: str | None = None,
    include_inactive: bool = False,
    composition_key: str | None = None,
) -> pd.DataFrame:
    """Flags with the flagged record's material, value, method, source and DOI."""
    return con.execute(
        """
        SELECT f.record_key, f.rule, f.cohort, f.score, f.reason, f.status, f.note, f.reviewer,
               f.reviewed_at, f.flagged_at, f.active,
               r.record_id, r.composition_key, r.material_raw, r.property, r.method_tag,
               r.value, r.log10_value, r.unit, r.temperature_k, r.source, r.doi
        FROM flags f LEFT JOIN records r USING (record_key)
        WHERE (? IS NULL OR f.status = ?) AND (? IS NULL OR f.rule = ?) AND (? OR f.active)
          AND (? IS NULL OR r.composition_key = ?)
        ORDER BY abs(f.score) DESC NULLS LAST, f.record_key, f.rule
        """,
        [status, status, rule, rule, include_inactive, composition_key, composition_key],
    ).df()


def review_flag(
    con: duckdb.DuckDBPyConnection,
    record_key: str,
    rule: str,
    *,
    status: str,
    note: str | None = None,
    reviewer: str | None = None,
) -> bool:
    """Set a flag's status, note and reviewer; returns False when there is no such flag."""
    if status not in FLAG_STATUSES:
        raise ValueError(f"status must be one of {FLAG_STATUSES}, not {status!r}")
    found = con.execute(
        "SELECT count(*) FROM flags WHERE record_key = ? AND rule = ?", [record_key, rule]
    ).fetchone()[0]
    if not found:
        return False
    con.execute(
        """
        UPDATE flags SET status = ?, note = coalesce(?, note), reviewer = coalesce(?, reviewer),
               reviewed_at = current_timestamp
        WHERE record_key = ? AND rule = ?
        """,
        [status, note, reviewer, record_key, rule],
    )
    bump_store_version(con)
    return True


def records_outside(
    con: duckdb.DuckDBPyConnection,
    ranges: dict[str, tuple[float, float]],
    temperature_k: tuple[float, float],
) -> pd.DataFrame:
    """Primary records whose canonical value or temperature lies outside the given ranges.

    Args:
        ranges: property -> (low, high) in canonical units (`core.units.PLAUSIBLE_RANGE`).
        temperature_k: (low, high) in K.
    """
    clauses, params = [], []
    for prop, (low, high) in ranges.items():
        clauses.append("(property = ? AND NOT value BETWEEN ? AND ?)")
        params += [prop, low, high]
    clauses.append("(temperature_k IS NOT NULL AND NOT temperature_k BETWEEN ? AND ?)")
    params += list(temperature_k)
    return con.execute(
        "SELECT record_key, property, value, temperature_k, family, method_tag FROM records "  # noqa: S608
        f"WHERE is_primary AND ({' OR '.join(clauses)}) ORDER BY record_key",
        params,
    ).df()


def review_flags(
    con: duckdb.DuckDBPyConnection,
    keys: list[tuple[str, str]],
    *,
    status: str,
    note: str,
    reviewer: str | None = None,
) -> int:
    """Review many flags at once with one note, in one statement: each (record_key, rule) keeps
    its own row, with this status, note, reviewer and time, as `review_flag` would set it.

    Returns:
        How many flags were updated (keys that name no flag are ignored).
    """
    if status not in FLAG_STATUSES:
        raise ValueError(f"status must be one of {FLAG_STATUSES}, not {status!r}")
    if not note or not note.strip():
        raise ValueError("a bulk review needs a note saying why")
    if not keys:
        return 0
    record_keys, rules = [k for k, _ in keys], [r for _, r in keys]
    row = con.execute(
        """
        UPDATE flags SET status = ?, note = ?, reviewer = coalesce(?, reviewer),
               reviewed_at = current_timestamp
        WHERE (record_key, rule) IN (SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[]))
        """,
        [status, note.strip(), reviewer, record_keys, rules],
    ).fetchone()
    bump_store_version(con)
    return int(row[0]) if row else 0
