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


def replace_arrhenius_fits(con: duckdb.DuckDBPyConnection, fits: list[dict]) -> int:
    """Replace every derived Arrhenius Ea record and fit row with `fits`, in one transaction.

    The derived records go through the one write path (`db.write.insert_rows`).

    Args:
        fits: dicts from `auditor.arrhenius.fit_series` plus `method_details`; `family` and
            `carrier_ion` are copied from the input records when the normalizer has set them.

    Returns:
        The number of fits written.
    """
    with transaction(con):
        con.execute("DELETE FROM arrhenius_fits")
        con.execute(
            "DELETE FROM records WHERE sub_method = ? AND derived_from IS NOT NULL",
            [ARRHENIUS_SUB_METHOD],
        )
        records, fit_rows = [], []
        for fit in fits:
            key = arrhenius_record_key(fit)
            labels = con.execute(
                "SELECT any_value(family), any_value(carrier_ion), "
                "string_agg(source_row, '+' ORDER BY temperature_k) "
                "FROM records WHERE list_contains(?, record_id)",
                [fit["input_record_ids"]],
            ).fetchone()
            records.append(
                {
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
            )
            fit_rows.append(
                {
                    "record_key": key,
                    **{
                        c: fit[c]
                        for c in (
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
                    },
                    "input_record_ids": json.dumps(fit["input_record_ids"]),
                }
            )
        insert_rows(con, "records", records)
        if fit_rows:
            ids = dict(
                con.execute(
                    "SELECT record_key, record_id FROM records WHERE sub_method = ? "
                    "AND derived_from IS NOT NULL",
                    [ARRHENIUS_SUB_METHOD],
                ).fetchall()
            )
            insert_rows(
                con, "arrhenius_fits", [{"record_id": ids[f["record_key"]], **f} for f in fit_rows]
            )
        bump_store_version(con, records=True)
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
