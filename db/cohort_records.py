"""The records cohorts count: primary Ea and Em, and room-temperature conductivities."""

from __future__ import annotations

import duckdb
import pandas as pd


def cohort_records(
    con: duckdb.DuckDBPyConnection,
    *,
    property: str | None = None,
    t_min_k: float,
    t_max_k: float,
    composition_key: str | None = None,
    family: str | None = None,
) -> pd.DataFrame:
    """Primary records that cohorts count: Ea and Em, and sigma within [t_min_k, t_max_k].

    Censored values come back too (with `censored` set) so callers can show and count them.
    `property`, `composition_key` and `family` keep those only.
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
          AND (?::TEXT IS NULL OR composition_key = ?) AND (?::TEXT IS NULL OR family = ?)
          AND (property IN ('Ea', 'Em')
               OR (property = 'sigma' AND log10_value IS NOT NULL
                   AND temperature_k BETWEEN ? AND ?))
        ORDER BY record_id
        """,
        [property, property, composition_key, composition_key, family, family, t_min_k, t_max_k],
    ).df()
