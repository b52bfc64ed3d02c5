"""Derived Arrhenius fits: their input series, the derived Ea records and the fit table."""

from __future__ import annotations

import json

import duckdb
import pandas as pd

from db.connection import transaction
from db.version import bump_store_version
from db.write import insert_rows

ARRHENIUS_SUB_METHOD = "arrhenius-fit"


def arrhenius_series(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every uncensored sigma record at an explicitly stated temperature, for series fits.

    All copies count here, primary or not: a series is one source's measurements, and a copy's
    primary twin lives in another source's series.
    """
    return con.execute(
        """
        SELECT record_id, record_key, source, source_row, doi, composition_key, material_raw,
               family_raw, family, carrier_ion, temperature_k, value
        FROM records
        WHERE property = 'sigma' AND censored IS NULL AND value > 0
          AND composition_key IS NOT NULL AND temperature_k IS NOT NULL
          AND NOT temperature_implied AND derived_from IS NULL
        """
    ).df()


def arrhenius_record_key(fit: dict) -> str:
    """Stable across rebuilds: built from the series' identity, not from record ids."""
    return f"{fit['source']}/arrhenius/{fit['composition_key']}/{fit['doi'] or '-'}/Ea/EXP/{ARRHENIUS_SUB_METHOD}"


_FIT_COLUMNS = (
    "source",
    "doi",
    "composition_key",
    "n_points",
    "n_temperatures",
    "t_min_k",
    "t_max_k",
    "ea_ev",
    "ea_se_ev",
    "r2",
    "ln_prefactor",
    "log10_sigma_298",
)


def _fit_labels(con: duckdb.DuckDBPyConnection, fits: list[dict]) -> dict[str, tuple]:
    """{record key: (family, carrier ion, source rows joined by '+')} of every fit's inputs, in
    one statement (the family and ion the normalizer set on the inputs, first by record id)."""
    pairs = pd.DataFrame(
        [(arrhenius_record_key(f), int(i)) for f in fits for i in f["input_record_ids"]],
        columns=["record_key", "record_id"],
    )
    con.register("_arrhenius_inputs", pairs)
    try:
        rows = con.execute(
            """
            SELECT i.record_key,
                   first(r.family ORDER BY r.record_id) FILTER (WHERE r.family IS NOT NULL),
                   first(r.carrier_ion ORDER BY r.record_id)
                       FILTER (WHERE r.carrier_ion IS NOT NULL),
                   string_agg(r.source_row, '+' ORDER BY r.temperature_k, r.record_id)
            FROM _arrhenius_inputs i JOIN records r ON r.record_id = i.record_id
            GROUP BY i.record_key
            """
        ).fetchall()
    finally:
        con.unregister("_arrhenius_inputs")
    return {key: (family, ion, rows_) for key, family, ion, rows_ in rows}


def _derived_rows(con: duckdb.DuckDBPyConnection, fits: list[dict]) -> tuple[list[dict], list[dict]]:
    """The derived Ea records and fit-table rows (without record ids) of `fits`."""
    labels = _fit_labels(con, fits) if fits else {}
    records, fit_rows = [], []
    for fit in fits:
        key = arrhenius_record_key(fit)
        family, carrier_ion, source_rows = labels.get(key, (None, None, None))
        records.append(
            {
                "record_key": key,
                "source": fit["source"],
                "source_row": source_rows or "",
                "material_raw": fit["material_raw"],
                "composition_key": fit["composition_key"],
                "family_raw": fit["family_raw"],
                "family": family,
                "carrier_ion": carrier_ion,
                "property": "Ea",
                "value_raw": f"{fit['ea_ev']:.4f}",
                "unit_raw": "eV",
                "value": fit["ea_ev"],
                "unit": "eV",
                "qualifier": "=",
                "temperature_implied": False,
                "method_tag": "EXP",
                "method_raw": "Arrhenius fit of ln(sigma*T) vs 1/T (derived by sse-audit)",
                "method_details": fit["method_details"],
                "sub_method": ARRHENIUS_SUB_METHOD,
                "doi": fit["doi"],
                "notes": f"derived from {fit['n_points']} conductivities of this source",
                "measurement_id": key,
                "is_primary": True,
                "derived_from": json.dumps(fit["input_record_ids"]),
            }
        )
        fit_rows.append(
            {
                "record_key": key,
                **{c: fit[c] for c in _FIT_COLUMNS},
                "input_record_ids": json.dumps(fit["input_record_ids"]),
            }
        )
    return records, fit_rows


def _drop_changed(
    con: duckdb.DuckDBPyConnection, table: str, rows: list[dict], *, only_derived: bool
) -> int:
    """Delete the rows of `table` (the derived Arrhenius records, or the fit table) that have no
    identical row in `rows`; returns how many were deleted. An identical row stays as it is,
    record id included, so what is keyed by that id (its Ea prediction) stays with it."""
    columns = list(rows[0]) if rows else ["record_key"]
    cols = ", ".join(columns)
    same = " AND ".join(f"n.{c} IS NOT DISTINCT FROM t.{c}" for c in columns)
    scope = "t.sub_method = ? AND t.derived_from IS NOT NULL AND " if only_derived else ""
    # The new rows take the table's column types (a column of only None has none of its own)
    # through the same frame-to-table insert as `insert_rows`, in a session-local temp table.
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _arrhenius_new AS SELECT {cols} FROM {table} LIMIT 0"  # noqa: S608
    )
    con.register("_arrhenius_frame", pd.DataFrame.from_records(rows, columns=columns))
    try:
        con.execute(f"INSERT INTO temp._arrhenius_new SELECT {cols} FROM _arrhenius_frame")  # noqa: S608
        row = con.execute(
            f"DELETE FROM {table} t WHERE {scope}"  # noqa: S608 - fixed names
            f"NOT EXISTS (SELECT 1 FROM temp._arrhenius_new n WHERE {same})",
            [ARRHENIUS_SUB_METHOD] if only_derived else [],
        ).fetchone()
    finally:
        con.unregister("_arrhenius_frame")
        con.execute("DROP TABLE IF EXISTS temp._arrhenius_new")
    return int(row[0]) if row else 0


def _derived_ids(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """{record key: record id} of the stored derived Arrhenius records."""
    return dict(
        con.execute(
            "SELECT record_key, record_id FROM records WHERE sub_method = ? "
            "AND derived_from IS NOT NULL",
            [ARRHENIUS_SUB_METHOD],
        ).fetchall()
    )


def replace_arrhenius_fits(con: duckdb.DuckDBPyConnection, fits: list[dict]) -> int:
    """Make the derived Arrhenius Ea records and fit rows exactly `fits`, in one transaction.

    A fit whose record and fit row are already stored unchanged is left alone (same record id,
    so its Ea prediction stays keyed to it); the others are deleted and written anew through
    the one write path (`db.write.insert_rows`). The store version moves only when something
    changed, the records version only when a derived record did. Set-based: a handful of
    statements whatever the number of fits, since on a team store every statement after a
    write in the transaction is a catalog round trip.

    Args:
        fits: dicts from `auditor.arrhenius.fit_series` plus `method_details`; `family` and
            `carrier_ion` are copied from the input records when the normalizer has set them.

    Returns:
        The number of fits the store holds after the call.
    """
    with transaction(con):
        records, fit_rows = _derived_rows(con, fits)
        dropped = _drop_changed(con, "records", records, only_derived=True)
        ids = _derived_ids(con)
        fresh = [r for r in records if r["record_key"] not in ids]
        if fresh:
            insert_rows(con, "records", fresh)
            ids = _derived_ids(con)
        # A fit row stays only beside its unchanged record (same id) with the same numbers.
        with_ids = [{"record_id": ids[f["record_key"]], **f} for f in fit_rows]
        fits_dropped = _drop_changed(con, "arrhenius_fits", with_ids, only_derived=False)
        stored = {r[0] for r in con.execute("SELECT record_key FROM arrhenius_fits").fetchall()}
        new_fits = [f for f in with_ids if f["record_key"] not in stored]
        insert_rows(con, "arrhenius_fits", new_fits)
        if dropped or fresh or fits_dropped or new_fits:
            bump_store_version(con, records=bool(dropped or fresh))
    return len(fits)


def arrhenius_fit_count(con: duckdb.DuckDBPyConnection) -> int:
    """How many Arrhenius fits the store holds."""
    return con.execute("SELECT count(*) FROM arrhenius_fits").fetchone()[0]


def arrhenius_fits(
    con: duckdb.DuckDBPyConnection, *, composition_key: str | None = None
) -> pd.DataFrame:
    """The fit table, optionally for one material."""
    return con.execute(
        "SELECT * FROM arrhenius_fits WHERE ? IS NULL OR composition_key = ? "
        "ORDER BY composition_key, source, doi",
        [composition_key, composition_key],
    ).df()


def arrhenius_points(con: duckdb.DuckDBPyConnection, record_id: int) -> pd.DataFrame:
    """The input conductivities of one fit (by the derived record's id)."""
    return con.execute(
        """
        SELECT r.record_id, r.record_key, r.composition_key, r.temperature_k, r.value,
               r.log10_value, r.source, r.doi
        FROM arrhenius_fits f, records r
        WHERE f.record_id = ?
          AND list_contains(CAST(json(f.input_record_ids) AS BIGINT[]), r.record_id)
        ORDER BY r.temperature_k
        """,
        [record_id],
    ).df()
