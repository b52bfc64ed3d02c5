"""The normalizer's pass over records: what it reads (names, methods, counts) and what it sets."""

from __future__ import annotations

import duckdb
import pandas as pd

from db.version import bump_store_version


def distinct_entities(con: duckdb.DuckDBPyConnection, source: str | None = None) -> pd.DataFrame:
    """Distinct (material_raw, family_raw) of the records, optionally one source, with a space
    group and the store's composition key where known."""
    return con.execute(
        """
        SELECT r.material_raw, r.family_raw, any_value(e.space_group) AS space_group,
               any_value(r.composition_key) AS composition_key
        FROM records r
        LEFT JOIN entries e ON e.source = r.source AND e.source_row = r.source_row
        WHERE ? IS NULL OR r.source = ?
        GROUP BY r.material_raw, r.family_raw
        """,
        [source, source],
    ).df()


def distinct_methods(con: duckdb.DuckDBPyConnection, source: str | None = None) -> pd.DataFrame:
    """Distinct (method_raw, method_tag) of the records that have method text."""
    return con.execute(
        """
        SELECT DISTINCT method_raw, method_tag FROM records
        WHERE method_raw IS NOT NULL AND (? IS NULL OR source = ?)
        """,
        [source, source],
    ).df()


def composition_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """{composition key: primary record count}: what a name in words is matched against."""
    rows = con.execute(
        """
        SELECT composition_key, count(*) FROM records
        WHERE composition_key IS NOT NULL AND is_primary
        GROUP BY composition_key
        """
    ).fetchall()
    return {key: int(n) for key, n in rows}


def update_entity_fields(
    con: duckdb.DuckDBPyConnection, updates: pd.DataFrame, source: str | None = None
) -> int:
    """Set records.family and records.carrier_ion from `updates`.

    Args:
        updates: columns material_raw, family_raw, family, carrier_ion.
        source: only this source's records (None: all).

    Returns:
        The number of records updated.
    """
    if updates.empty:
        return 0
    con.register("_entity_updates", updates)
    try:
        n = con.execute(
            """
            UPDATE records SET family = u.family,
                               carrier_ion = coalesce(u.carrier_ion, records.carrier_ion)
            FROM _entity_updates u
            WHERE records.material_raw = u.material_raw
              AND records.family_raw IS NOT DISTINCT FROM u.family_raw
              AND (? IS NULL OR records.source = ?)
            """,
            [source, source],
        ).fetchone()[0]
    finally:
        con.unregister("_entity_updates")
    bump_store_version(con, records=True)
    return int(n)


def update_method_tags(
    con: duckdb.DuckDBPyConnection, updates: pd.DataFrame, source: str | None = None
) -> int:
    """Refine records.method_tag (and append to method_details) where `updates` says so.

    Args:
        updates: columns method_raw, old_tag, new_tag, details_text.
    """
    if updates.empty:
        return 0
    con.register("_method_updates", updates)
    try:
        n = con.execute(
            """
            UPDATE records SET method_tag = u.new_tag,
                method_details = CASE
                    WHEN u.details_text IS NULL OR u.details_text = '' THEN records.method_details
                    WHEN records.method_details IS NULL THEN u.details_text
                    ELSE records.method_details || '; ' || u.details_text END
            FROM _method_updates u
            WHERE records.method_raw = u.method_raw AND records.method_tag = u.old_tag
              AND (? IS NULL OR records.source = ?)
            """,
            [source, source],
        ).fetchone()[0]
    finally:
        con.unregister("_method_updates")
    bump_store_version(con, records=True)
    return int(n)
