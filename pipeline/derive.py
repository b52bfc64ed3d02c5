"""What follows every write: normalization, derived Arrhenius records, predictions and flags."""

from __future__ import annotations

import duckdb

from auditor.arrhenius import derive_arrhenius_records
from auditor.cohorts import refresh_cohort_tables
from auditor.model import ensure_store_predictions
from auditor.normalize.apply import normalize_store
from auditor.outliers import refresh_flags
from db.search import refresh_search_index


def derive(
    con: duckdb.DuckDBPyConnection, *, source: str | None = None, predictions: bool = True
) -> dict:
    """Run the derivations over the store (a build) or after one new source (an ingest).

    Args:
        source: the source just written; None for the whole store.
        predictions: write the saved model's predictions (a build); an ingest skips it.

    Returns:
        Counts per step for the build or ingest summary.
    """
    summary = {"normalization": normalize_store(con, source=source)}
    # Experimental Ea from each source's conductivity series, after families are known.
    summary["arrhenius_fits"] = derive_arrhenius_records(con)
    # Cohort answers for the pages, once per change of the records.
    summary["cohort_tables"] = refresh_cohort_tables(con)
    # The explorer's search index, stamped with the same records version.
    summary["search_index"] = refresh_search_index(con)
    if predictions:
        # The saved model's predictions, if there is one (the app trains one on first start).
        summary["predictions"] = ensure_store_predictions(con, train_if_missing=False)
    # An ingest recomputes the cohort rules only where its records land.
    summary["flags"] = refresh_flags(con, source=source)
    return summary
