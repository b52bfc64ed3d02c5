"""Read-only queries the experimental-Ea descriptor model needs (SQL stays in db/)."""

from __future__ import annotations

import duckdb
import pandas as pd


def experimental_ea(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Uncensored primary experimental Ea records (eV): one row per record, with DOI and carrier."""
    return con.execute(
        """
        SELECT record_key, source, composition_key, family, carrier_ion, value AS ea_ev, doi
        FROM records
        WHERE is_primary AND property = 'Ea' AND method_tag = 'EXP' AND censored IS NULL
          AND composition_key IS NOT NULL AND value IS NOT NULL
        ORDER BY record_id
        """
    ).df()


def structure_volumes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per composition key of an OBELiX entry: its CIF's volume per atom and the CIF's formula key."""
    return con.execute(
        """
        SELECT DISTINCT r.composition_key, s.obelix_id, s.volume_per_atom,
               s.composition_key AS cif_key
        FROM structures s
        JOIN records r ON r.source = 'obelix' AND r.source_row = s.obelix_id
        WHERE r.composition_key IS NOT NULL AND s.volume_per_atom IS NOT NULL
        """
    ).df()
