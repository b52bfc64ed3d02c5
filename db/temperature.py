"""Conductivity measured at more than one temperature: the points of every sigma(T) series."""

from __future__ import annotations

import duckdb
import pandas as pd


def sigma_series_points(
    con: duckdb.DuckDBPyConnection, *, min_temperatures: int = 2
) -> pd.DataFrame:
    """Uncensored primary sigma records of every (material, source) measured at
    `min_temperatures` or more distinct temperatures.

    Columns: record_id, record_key, composition_key, family_raw, family, carrier_ion, source, doi,
    temperature_k, log10_value.
    """
    return con.execute(
        """
        WITH pts AS (
            SELECT record_id, record_key, composition_key, family_raw, family, carrier_ion,
                   source, doi, temperature_k, log10_value
            FROM records
            WHERE property = 'sigma' AND is_primary AND censored IS NULL
              AND composition_key IS NOT NULL AND temperature_k IS NOT NULL
              AND log10_value IS NOT NULL
        )
        SELECT * FROM pts
        WHERE (composition_key, source) IN (
            SELECT composition_key, source FROM pts GROUP BY ALL
            HAVING count(DISTINCT temperature_k) >= ?
        )
        ORDER BY composition_key, source, temperature_k
        """,
        [min_temperatures],
    ).df()
