"""Flag triage set work in SQL: for each flagged record, its cohort keys and the median of the
values it shares a group with, once it is left out (`auditor.triage.flag_influence`).

Reads the cohort relation `base` of `db.cohort_sql` (the store, or a frame of records).
"""

from __future__ import annotations

import pandas as pd

from db.cohort_sql import CohortSource

# Per flagged record (its first uncensored cohort row by record_id): its cohort and material,
# and `rest_median`, the median of the values left in its group without it. The group is the
# material's experimental values of the property (every family) for an EXP record, else the
# material's values in the record's cohort (family, property, method, variant). NULL when
# nothing is left.
_LEAVE_ONE_OUT = """
    , keys AS (SELECT DISTINCT unnest(?::TEXT[]) AS record_key),
    rec AS (
        SELECT b.record_key, b.family, b.property, b.method, b.variant, b.composition_key,
               b.value
        FROM base b JOIN keys USING (record_key)
        WHERE b.censored IS NULL
        QUALIFY row_number() OVER (PARTITION BY b.record_key ORDER BY b.record_id) = 1
    )
    -- Two equi-joins, not one with an OR: each stays a hash join at a million records.
    , rest AS (
        SELECT r.record_key, o.value
        FROM rec r JOIN base o
          ON o.composition_key = r.composition_key AND o.property = r.property
             AND o.method = r.method
        WHERE r.method = ? AND o.censored IS NULL AND o.record_key <> r.record_key
        UNION ALL
        SELECT r.record_key, o.value
        FROM rec r JOIN base o
          ON o.composition_key = r.composition_key AND o.property = r.property
             AND o.method = r.method AND o.family = r.family AND o.variant = r.variant
        WHERE r.method <> ? AND o.censored IS NULL AND o.record_key <> r.record_key
    )
    SELECT r.record_key, r.family, r.property, r.method, r.variant, r.composition_key,
           r.value, m.rest_median
    FROM rec r
    LEFT JOIN (SELECT record_key, median(value) AS rest_median FROM rest GROUP BY record_key) m
      USING (record_key)
    ORDER BY r.record_key
"""


def leave_one_out(src: CohortSource, record_keys: list[str], experiment: str) -> pd.DataFrame:
    """Flagged records in the cohorts and the median of their group without them (see above).

    Columns: record_key, family, property, method, variant, composition_key, value,
    rest_median. Keys with no uncensored cohort record are absent.
    """
    return src.query(_LEAVE_ONE_OUT, [list(record_keys), experiment, experiment]).df()
