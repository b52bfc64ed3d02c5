"""Reads and writes for what sse-audit derives from the records: Arrhenius fits and cohort inputs."""

from __future__ import annotations

import json

import duckdb
import pandas as pd

ARRHENIUS_SUB_METHOD = "arrhenius-fit"

_RECORD_COLUMNS = (
    "record_key",
    "source",
    "source_row",
    "material_raw",
    "composition_key",
    "family_raw",
    "family",
    "carrier_ion",
    "property",
    "value_raw",
    "unit_raw",
    "value",
    "unit",
    "qualifier",
    "temperature_implied",
    "method_tag",
    "method_raw",
    "method_details",
    "sub_method",
    "doi",
    "notes",
    "measurement_id",
    "is_primary",
    "derived_from",
)


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


def replace_arrhenius_fits(con: duckdb.DuckDBPyConnection, fits: list[dict]) -> int:
    """Replace every derived Arrhenius Ea record and fit row with `fits`, in one transaction.

    Args:
        fits: dicts from `auditor.arrhenius.fit_series` plus `method_details`; `family` and
            `carrier_ion` are copied from the input records when the normalizer has set them.

    Returns:
        The number of fits written.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM arrhenius_fits")
        con.execute(
            "DELETE FROM records WHERE sub_method = ? AND derived_from IS NOT NULL",
            [ARRHENIUS_SUB_METHOD],
        )
        for fit in fits:
            key = arrhenius_record_key(fit)
            labels = con.execute(
                "SELECT any_value(family), any_value(carrier_ion), "
                "string_agg(source_row, '+' ORDER BY temperature_k) "
                "FROM records WHERE list_contains(?, record_id)",
                [fit["input_record_ids"]],
            ).fetchone()
            row = {
                "record_key": key,
                "source": fit["source"],
                "source_row": labels[2] or "",
                "material_raw": fit["material_raw"],
                "composition_key": fit["composition_key"],
                "family_raw": fit["family_raw"],
                "family": labels[0],
                "carrier_ion": labels[1],
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
            cols = ", ".join(_RECORD_COLUMNS)
            marks = ", ".join("?" for _ in _RECORD_COLUMNS)
            record_id = con.execute(
                f"INSERT INTO records ({cols}) VALUES ({marks}) RETURNING record_id",  # noqa: S608
                [row[c] for c in _RECORD_COLUMNS],
            ).fetchone()[0]
            con.execute(
                """
                INSERT INTO arrhenius_fits (record_id, record_key, source, doi, composition_key,
                    n_points, n_temperatures, t_min_k, t_max_k, ea_ev, ea_se_ev, r2,
                    ln_prefactor, log10_sigma_298, input_record_ids)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    record_id,
                    key,
                    fit["source"],
                    fit["doi"],
                    fit["composition_key"],
                    fit["n_points"],
                    fit["n_temperatures"],
                    fit["t_min_k"],
                    fit["t_max_k"],
                    fit["ea_ev"],
                    fit["ea_se_ev"],
                    fit["r2"],
                    fit["ln_prefactor"],
                    fit["log10_sigma_298"],
                    json.dumps(fit["input_record_ids"]),
                ],
            )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
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


def cohort_records(
    con: duckdb.DuckDBPyConnection,
    *,
    property: str | None = None,
    t_min_k: float,
    t_max_k: float,
) -> pd.DataFrame:
    """Primary records that cohorts count: Ea and Em, and sigma within [t_min_k, t_max_k].

    Censored values come back too (with `censored` set) so callers can show and count them.
    """
    return con.execute(
        """
        SELECT record_id, record_key, source, source_row, material_raw, composition_key,
               family_raw, family, carrier_ion, property, method_tag, sub_method,
               CASE WHEN property = 'sigma' THEN log10_value ELSE value END AS value,
               censored, temperature_k, doi, path_id, derived_from IS NOT NULL AS derived
        FROM records
        WHERE is_primary AND composition_key IS NOT NULL
          AND (? IS NULL OR property = ?)
          AND (property IN ('Ea', 'Em')
               OR (property = 'sigma' AND log10_value IS NOT NULL
                   AND temperature_k BETWEEN ? AND ?))
        ORDER BY record_id
        """,
        [property, property, t_min_k, t_max_k],
    ).df()
