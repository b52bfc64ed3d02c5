"""Cohort set work in SQL: per-cohort counts and medians, material pairing, same-hop pairs,
modified-z scores and computed-vs-experiment gaps. One implementation, two inputs: the store
(`records`, filtered to what cohorts count) or a frame of cohort records (registered in a
private in-memory DuckDB), so a caller holding a frame gets the same statistics.

Every query starts from the relation `base` with columns record_id, record_key,
composition_key, family, property, method, variant ('' when none), value (log10 S/cm for sigma,
eV otherwise), censored, source, path_id, doi. The analysis layer (`auditor.cohorts`,
`auditor.outliers`) owns the conventions and passes them in as parameters.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import pandas as pd

from db.connection import transaction
from db.version import build_info_value, records_version, set_build_info

# What cohorts count, straight from the store; '?' are (t_min_k, t_max_k) of the sigma window.
# A record without a harmonized family (never after a build) counts as 'unknown'.
_STORE_BASE = """
    SELECT record_id, record_key, composition_key, coalesce(family, 'unknown') AS family,
           property, method_tag AS method,
           CASE WHEN method_tag <> 'EXP' THEN coalesce(sub_method, '') ELSE '' END AS variant,
           CASE WHEN property = 'sigma' THEN log10_value ELSE value END AS value,
           censored, source, path_id, doi
    FROM records
    WHERE is_primary AND composition_key IS NOT NULL
      AND (property IN ('Ea', 'Em')
           OR (property = 'sigma' AND log10_value IS NOT NULL AND temperature_k BETWEEN ? AND ?))
"""
_FRAME_BASE = """
    SELECT record_id, record_key, composition_key, family, property, method, variant, value,
           censored, source, path_id, doi
    FROM _cohort_frame
"""
_LABEL = "CASE WHEN variant <> '' THEN method || ' (' || variant || ')' ELSE method END"


class CohortSource:
    """Where the cohort records come from: the store behind a connection, or a frame.

    `tables`: the store's materialized cohort tables are current (`materialize`), so the
    readers below read them instead of computing from the records.
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        base_sql: str,
        base_params: list,
        *,
        tables: bool = False,
        reference: str | None = None,
    ):
        self.con = con
        self.base_sql = base_sql
        self.base_params = base_params
        self.tables = tables
        self.reference = reference  # the reference method of the materialized hop_pairs

    def query(
        self, sql: str, params: list | None = None, *, into: str | None = None
    ) -> duckdb.DuckDBPyConnection:
        """Run `sql` (which reads the CTE `base`) with its parameters after the base's;
        `into` inserts the result into that table instead."""
        head = f"INSERT INTO {into} " if into else ""
        return self.con.execute(
            f"{head}WITH base AS ({self.base_sql}) {sql}",  # noqa: S608 - fixed fragments only
            [*self.base_params, *(params or [])],
        )


def store_source(
    con: duckdb.DuckDBPyConnection, t_window_k: tuple[float, float], *, tables: bool = True
) -> CohortSource:
    """The store's cohort records (primary, with a composition; sigma within the window).

    With `tables`, the materialized cohort tables are read where they are current.
    """
    window = [float(t_window_k[0]), float(t_window_k[1])]
    reference = _tables_current(con, window) if tables else None
    return CohortSource(con, _STORE_BASE, window, tables=reference is not None, reference=reference)


_STAMP_KEY = "cohort_tables"


def _stamp(con: duckdb.DuckDBPyConnection, window: list[float], reference: str | None) -> str:
    return json.dumps(
        {"records_version": records_version(con), "window_k": window, "reference": reference}
    )


def _tables_current(con: duckdb.DuckDBPyConnection, window: list[float]) -> str | None:
    """The reference method of the materialized tables when they are current, else None."""
    value = build_info_value(con, _STAMP_KEY)
    if not value:
        return None
    stamp = json.loads(value)
    current = stamp["records_version"] == records_version(con) and stamp["window_k"] == window
    return stamp["reference"] if current else None


def materialize(
    con: duckdb.DuckDBPyConnection,
    t_window_k: tuple[float, float],
    reference_property: dict[str, str],
    reference: str,
) -> dict[str, int]:
    """Recompute the cohort tables (summaries, material pairs, per-hop values, same-hop
    pairs against `reference`) from the records, in one transaction, and stamp them with the
    records version they describe."""
    src = store_source(con, t_window_k, tables=False)
    counts = {}
    with transaction(con):
        for table, (sql, params) in (
            ("cohort_summaries", _summary_sql(None, None)),
            ("cohort_pairs", _pairs_sql(reference_property, None, None)),
            ("hop_values", (_PER_HOP_SQL, [])),
        ):
            con.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names
            # An INSERT answers with its row count: no count(*) (a catalog round trip on a lake).
            counts[table] = int(src.query(sql, params, into=table).fetchone()[0])
        con.execute("DELETE FROM hop_pairs")
        sql, params = _same_hop_sql("SELECT * FROM hop_values", reference, None)
        counts["hop_pairs"] = int(
            con.execute(
                f"INSERT INTO hop_pairs SELECT q.*, {_CODES} FROM (WITH {sql}) q", params
            ).fetchone()[0]
        )
        set_build_info(con, {_STAMP_KEY: _stamp(con, src.base_params, reference)})
    return counts


@contextmanager
def frame_source(frame: pd.DataFrame) -> Iterator[CohortSource]:
    """A frame of cohort records (`auditor.cohorts.load_records` columns, with `variant`)."""
    con = duckdb.connect()
    try:
        con.register("_cohort_frame", frame)
        yield CohortSource(con, _FRAME_BASE, [])
    finally:
        con.close()


def _reference_map(reference_property: dict[str, str]) -> list:
    return [list(reference_property), list(reference_property.values())]


def _summary_sql(family: str | None, property: str | None) -> tuple[str, list]:
    return (
        """
        SELECT family, property, method, variant,
               count(*) FILTER (WHERE censored IS NULL) AS n_records,
               count(DISTINCT composition_key) FILTER (WHERE censored IS NULL) AS n_materials,
               count(*) FILTER (WHERE censored IS NOT NULL) AS n_censored,
               median(value) FILTER (WHERE censored IS NULL) AS median
        FROM base
        WHERE (?::TEXT IS NULL OR family = ?) AND (?::TEXT IS NULL OR property = ?)
        GROUP BY ALL
        """,
        [family, family, property, property],
    )


_ORDER = " ORDER BY family, property, method, variant"
_FILTER = " WHERE (?::TEXT IS NULL OR family = ?) AND (?::TEXT IS NULL OR property = ?)"


def cohort_summary(
    src: CohortSource, *, family: str | None = None, property: str | None = None
) -> pd.DataFrame:
    """Per cohort: n_records, n_materials, median (uncensored) and n_censored, sorted by cohort."""
    if src.tables:
        return src.con.execute(
            "SELECT * FROM cohort_summaries" + _FILTER + _ORDER,
            [family, family, property, property],
        ).df()
    sql, params = _summary_sql(family, property)
    return src.query(sql + _ORDER, params).df()


def _pairs_sql(
    reference_property: dict[str, str], family: str | None, property: str | None
) -> tuple[str, list]:
    return (
        f"""
        , refmap AS (SELECT unnest(?) AS property, unnest(?) AS reference_property),
        exp AS (
            SELECT property AS reference_property, composition_key,
                   median(value) AS exp_value, count(*) AS exp_n
            FROM base WHERE method = 'EXP' AND censored IS NULL
            GROUP BY ALL
        ),
        per AS (
            SELECT family, property, method, variant, composition_key,
                   median(value) AS value, count(*) AS n
            FROM base
            WHERE method <> 'EXP' AND censored IS NULL
              AND (?::TEXT IS NULL OR family = ?) AND (?::TEXT IS NULL OR property = ?)
            GROUP BY ALL
        )
        SELECT per.family, per.property, per.method, per.variant, {_LABEL} AS method_label,
               per.composition_key, per.value, per.n, exp.exp_value, exp.exp_n,
               refmap.reference_property, per.value - exp.exp_value AS diff
        FROM per JOIN refmap USING (property)
        JOIN exp ON exp.reference_property = refmap.reference_property
                AND exp.composition_key = per.composition_key
        """,
        [*_reference_map(reference_property), family, family, property, property],
    )


def paired_materials(
    src: CohortSource,
    reference_property: dict[str, str],
    *,
    family: str | None = None,
    property: str | None = None,
) -> pd.DataFrame:
    """Computed material medians joined with the material's experimental median.

    One row per (cohort, material), sorted by cohort then composition_key: family, property,
    method, variant, method_label, composition_key, value, n, exp_value, exp_n,
    reference_property, diff. Experiment is taken over every family (pairing sees all records);
    `family` and `property` only choose which cohorts come back.
    """
    if src.tables:
        return src.con.execute(
            "SELECT * FROM cohort_pairs" + _FILTER + _ORDER + ", composition_key",
            [family, family, property, property],
        ).df()
    sql, params = _pairs_sql(reference_property, family, property)
    order = " ORDER BY per.family, per.property, per.method, per.variant, per.composition_key"
    return src.query(sql + order, params).df()


_PER_HOP_SQL = f"""
    SELECT source, path_id, property, method, variant, {_LABEL} AS method_label,
           median(value) AS value, arg_min(family, record_id) AS family,
           arg_min(composition_key, record_id) AS composition_key
    FROM base
    WHERE path_id IS NOT NULL AND censored IS NULL AND method <> 'EXP'
    GROUP BY source, path_id, property, method, variant
"""


def _same_hop_sql(per_hop: str, reference: str, family: str | None) -> tuple[str, list]:
    return (
        f"""
        per_hop AS ({per_hop}),
        ref AS (
            SELECT source, path_id, property, value AS reference_value
            FROM per_hop WHERE method_label = ?
        )
        SELECT row_number() OVER (ORDER BY p.source, p.path_id, p.property, p.method, p.variant)
                   AS seq,
               p.family, p.property, p.source, p.path_id, p.composition_key, p.method,
               p.variant, p.method_label, ?::TEXT AS reference, ref.reference_value, p.value,
               p.value - ref.reference_value AS diff
        FROM per_hop p JOIN ref USING (source, path_id, property)
        WHERE p.method_label <> ? AND (?::TEXT IS NULL OR p.family = ?)
        """,
        [reference, reference, reference, family, family],
    )


# Integer codes per-group statistics use instead of strings.
_CODES = (
    "dense_rank() OVER (ORDER BY composition_key) AS material, "
    "dense_rank() OVER (ORDER BY property, method, variant) AS grp, "
    "dense_rank() OVER (ORDER BY family) AS family_code"
)

_PAIR_COLUMNS = (
    "family, property, source, path_id, composition_key, method, variant, method_label, "
    "reference, reference_value, value, diff"
)


def same_hop_pairs(
    src: CohortSource, *, reference: str, family: str | None = None
) -> pd.DataFrame:
    """Hops (source, path_id, property) that `reference` and another computed method report.

    A method's records on one hop count as their median; family and composition_key are those
    of the hop's first record. Sorted by hop, then method and variant.
    """
    if src.tables and reference == src.reference:
        return _frame(
            src.con,
            f"SELECT {_PAIR_COLUMNS} FROM hop_pairs "  # noqa: S608 - fixed fragments
            "WHERE (?::TEXT IS NULL OR family = ?) ORDER BY seq",
            [family, family],
        )
    per_hop = "SELECT * FROM hop_values" if src.tables else _PER_HOP_SQL
    inner, params = _same_hop_sql(per_hop, reference, family)
    sql = f"SELECT {_PAIR_COLUMNS} FROM (WITH {inner}) ORDER BY seq"
    return (src.con.execute(sql, params) if src.tables else src.query(sql, params)).df()


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> pd.DataFrame:
    """A query's rows as a frame through Arrow: for hundreds of thousands of strings about a
    third of the CPU time of `.df()` (same values; text columns come back as strings)."""
    with warnings.catch_warnings():
        # duckdb 2 warns that a DB-API result copies the rows once more for Arrow; `con.sql`
        # would not, but refuses to run while the connection has an unfinished result.
        warnings.filterwarnings("ignore", message="Arrow output on a DB-API result")
        return con.execute(sql, params).to_arrow_table().to_pandas()


_AGREEMENT_KEY = "hop_agreement"
_AGREEMENT_COLUMNS = (
    "family, property, reference, method, variant, method_label, unit, n_hops, n_materials, "
    "reference_median, median, bias, bias_ci_low, bias_ci_high, mae, median_abs_error, "
    "spearman, threshold_ev, frac_off"
)


def _agreement_stamp(con: duckdb.DuckDBPyConnection, parameters: dict) -> str:
    return json.dumps({"records_version": records_version(con), **parameters}, sort_keys=True)


def write_hop_agreement(
    con: duckdb.DuckDBPyConnection, rows: pd.DataFrame, parameters: dict
) -> int:
    """Replace the stored method agreement with `rows` (`_AGREEMENT_COLUMNS`, in order) and
    stamp it with the records version and the `parameters` it was computed with."""
    with transaction(con):
        con.execute("DELETE FROM hop_agreement")
        frame = rows.reset_index(drop=True)
        frame.insert(0, "seq", range(len(frame)))
        con.register("_hop_agreement_rows", frame)
        try:
            con.execute(
                f"INSERT INTO hop_agreement (seq, {_AGREEMENT_COLUMNS}) "  # noqa: S608
                f"SELECT seq, {_AGREEMENT_COLUMNS} FROM _hop_agreement_rows"
            )
        finally:
            con.unregister("_hop_agreement_rows")
        set_build_info(con, {_AGREEMENT_KEY: _agreement_stamp(con, parameters)})
    return len(frame)


def hop_agreement_current(con: duckdb.DuckDBPyConnection, parameters: dict) -> bool:
    """Whether the stored method agreement was computed for these records and `parameters`."""
    value = build_info_value(con, _AGREEMENT_KEY)
    return value is not None and value == _agreement_stamp(con, parameters)


def read_hop_agreement(
    con: duckdb.DuckDBPyConnection, parameters: dict, *, family: str | None, pooled: str
) -> list[tuple] | None:
    """The stored method agreement rows (`_AGREEMENT_COLUMNS` tuples, in stored order) of the
    `pooled` family and `family` (every family when None); None when the stored rows were
    computed for other records or other `parameters`."""
    if not hop_agreement_current(con, parameters):
        return None
    return con.execute(
        f"SELECT {_AGREEMENT_COLUMNS} FROM hop_agreement "  # noqa: S608 - fixed fragments
        "WHERE ?::TEXT IS NULL OR family IN (?, ?) ORDER BY seq",
        [family, pooled, family],
    ).fetchall()


def hop_diffs(src: CohortSource, *, reference: str) -> dict:
    """The same-hop pairs as arrays for per-group statistics, grouped by (property, method,
    variant) in hop order: property, method, variant, family, material (an integer per
    composition key), value, reference_value, diff, grp (an integer per group), family_code
    (an integer per family, in family order)."""
    if src.tables and reference == src.reference:
        return src.con.execute(
            "SELECT property, method, variant, family, material, value, reference_value, diff, "
            "grp, family_code FROM hop_pairs ORDER BY grp, seq"
        ).fetchnumpy()
    cols = (
        "property, method, variant, family, value, reference_value, diff, " + _CODES
    )
    order = " ORDER BY property, method, variant, seq"
    per_hop = "SELECT * FROM hop_values" if src.tables else _PER_HOP_SQL
    inner, params = _same_hop_sql(per_hop, reference, None)
    sql = f"SELECT {cols} FROM (WITH {inner})" + order
    return (src.con.execute(sql, params) if src.tables else src.query(sql, params)).fetchnumpy()


def modified_z_outliers(
    src: CohortSource,
    *,
    z_threshold: float,
    min_cohort: int,
    cohorts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Uncensored records whose modified z-score in their cohort is beyond `z_threshold`.

    Modified z = 0.6745 (x - median) / MAD; where the MAD is zero the mean absolute deviation
    times 1.253314 stands in; 0 where both are. Cohorts of fewer than `min_cohort` values are
    skipped. `cohorts` (family, property, method, variant rows) limits the work to those.
    Columns: record_key, family, property, method, variant, value, median, n, score.
    """
    sel, params = "", []
    u = "SELECT * FROM base WHERE censored IS NULL"
    if cohorts is not None:
        sel = ", sel AS (SELECT unnest(?) AS family, unnest(?) AS property, unnest(?) AS method, unnest(?) AS variant)"
        u = "SELECT base.* FROM base SEMI JOIN sel USING (family, property, method, variant) WHERE censored IS NULL"
        params = [list(cohorts[c].astype(str)) for c in ("family", "property", "method", "variant")]
    return src.query(
        f"""
        {sel}, u AS ({u}),
        c AS (
            SELECT family, property, method, variant, median(value) AS median, count(*) AS n
            FROM u GROUP BY ALL HAVING count(*) >= ?
        ),
        d AS (
            SELECT u.record_key, u.value, c.*, abs(u.value - c.median) AS ad
            FROM u JOIN c USING (family, property, method, variant)
        ),
        s AS (
            SELECT family, property, method, variant, median(ad) AS mad, avg(ad) AS mean_ad
            FROM d GROUP BY ALL
        ),
        z AS (
            SELECT d.record_key, d.family, d.property, d.method, d.variant, d.value, d.median,
                   d.n,
                   CASE WHEN s.mad > 0 THEN 0.6745 * (d.value - d.median) / s.mad
                        WHEN s.mean_ad > 0 THEN (d.value - d.median) / (1.253314 * s.mean_ad)
                        ELSE 0.0 END AS score
            FROM d JOIN s USING (family, property, method, variant)
        )
        SELECT * FROM z WHERE abs(score) > ?
        ORDER BY family, property, method, variant, record_key
        """,
        [*params, int(min_cohort), float(z_threshold)],
    ).df()


def experiment_gaps(
    src: CohortSource,
    reference_property: dict[str, str],
    tolerance: dict[str, float],
    *,
    composition_keys: list[str] | None = None,
) -> pd.DataFrame:
    """Uncensored computed records further than `tolerance[property]` from the median of the
    same material's uncensored experimental values of the reference property.

    Columns: record_key, family, property, method, variant, method_label, value,
    reference_property, exp_value, exp_n, tolerance, diff. `composition_keys` limits the work
    to those materials.
    """
    keep = "TRUE" if composition_keys is None else "composition_key IN (SELECT unnest(?))"
    keep_params = [] if composition_keys is None else [list(composition_keys)]
    return src.query(
        f"""
        , refmap AS (SELECT unnest(?) AS property, unnest(?) AS reference_property),
        tol AS (SELECT unnest(?) AS property, unnest(?) AS tolerance),
        b AS (SELECT * FROM base WHERE censored IS NULL AND {keep}),
        exp AS (
            SELECT property AS reference_property, composition_key,
                   median(value) AS exp_value, count(*) AS exp_n
            FROM b WHERE method = 'EXP' GROUP BY ALL
        )
        SELECT b.record_key, b.family, b.property, b.method, b.variant,
               {_LABEL} AS method_label,
               b.value, refmap.reference_property, exp.exp_value, exp.exp_n, tol.tolerance,
               b.value - exp.exp_value AS diff
        FROM b JOIN refmap USING (property) JOIN tol USING (property)
        JOIN exp ON exp.reference_property = refmap.reference_property
                AND exp.composition_key = b.composition_key
        WHERE b.method <> 'EXP' AND abs(b.value - exp.exp_value) > tol.tolerance
        ORDER BY b.record_key
        """,
        [
            *_reference_map(reference_property),
            list(tolerance),
            [float(v) for v in tolerance.values()],
            *keep_params,
        ],
    ).df()


def experimental_medians(
    src: CohortSource, *, property: str | None = None, composition_key: str | None = None
) -> pd.DataFrame:
    """Per (property, composition_key): the median and count of uncensored EXP values, sorted;
    `property` and `composition_key` keep those only."""
    return src.query(
        """
        SELECT property, composition_key, median(value) AS exp_value, count(*) AS exp_n
        FROM base
        WHERE method = 'EXP' AND censored IS NULL
          AND (?::TEXT IS NULL OR property = ?) AND (?::TEXT IS NULL OR composition_key = ?)
        GROUP BY ALL ORDER BY property, composition_key
        """,
        [property, property, composition_key, composition_key],
    ).df()


def evidence_gaps(src: CohortSource, cells: pd.DataFrame) -> pd.DataFrame:
    """Per computed cell, the materials whose one missing side would add a pair.

    Args:
        cells: family, property, method, variant, reference_property rows (the cells).

    Returns:
        One row per (cell, material, missing side): family, property, method, variant,
        missing (`experimental`: the cell's method computed the material, and no experiment of
        the reference property measured it in any family; `computed`: experiment measured a
        material of the cell's family that the cell's method has not computed),
        composition_key, n_records_held and value_held (count and median of the side held).
    """
    cols = ("family", "property", "method", "variant", "reference_property")
    return src.query(
        """
        , cells AS (
            SELECT unnest(?) AS family, unnest(?) AS property, unnest(?) AS method,
                   unnest(?) AS variant, unnest(?) AS reference_property
        ),
        u AS (SELECT * FROM base WHERE censored IS NULL),
        computed AS (
            SELECT family, property, method, variant, composition_key,
                   count(*) AS n, median(value) AS med
            FROM u SEMI JOIN cells USING (family, property, method, variant)
            GROUP BY ALL
        ),
        measured AS (
            SELECT family, property AS reference_property, composition_key,
                   count(*) AS n, median(value) AS med
            FROM u WHERE method = 'EXP' GROUP BY ALL
        ),
        measured_any AS (SELECT DISTINCT reference_property, composition_key FROM measured)
        SELECT c.family, c.property, c.method, c.variant, 'experimental' AS missing,
               m.composition_key, m.n AS n_records_held, m.med AS value_held
        FROM cells c JOIN computed m USING (family, property, method, variant)
        ANTI JOIN measured_any e
            ON e.reference_property = c.reference_property
           AND e.composition_key = m.composition_key
        UNION ALL
        SELECT c.family, c.property, c.method, c.variant, 'computed' AS missing,
               e.composition_key, e.n AS n_records_held, e.med AS value_held
        FROM cells c JOIN measured e
            ON e.family = c.family AND e.reference_property = c.reference_property
        ANTI JOIN computed m
            ON m.family = c.family AND m.property = c.property AND m.method = c.method
           AND m.variant = c.variant AND m.composition_key = e.composition_key
        """,
        [list(cells[c].astype(str)) for c in cols],
    ).df()


def cohort_values(src: CohortSource, *, family: str, property: str) -> pd.DataFrame:
    """One family's uncensored records of one property (a distribution plot's points)."""
    return src.query(
        f"""
        SELECT record_id, record_key, composition_key, family, property, method, variant,
               {_LABEL} AS method_label, value, source, path_id, doi
        FROM base WHERE censored IS NULL AND family = ? AND property = ?
        ORDER BY record_id
        """,
        [family, property],
    ).df()


def cohort_families(src: CohortSource) -> list[str]:
    """The families that hold cohort records, sorted."""
    if src.tables:
        rows = src.con.execute("SELECT DISTINCT family FROM cohort_summaries ORDER BY 1")
    else:
        rows = src.query("SELECT DISTINCT family FROM base ORDER BY 1")
    return [r[0] for r in rows.fetchall()]


def source_scope(src: CohortSource, source: str) -> tuple[pd.DataFrame, list[str]]:
    """What one source's records touch: its cohorts (family, property, method, variant) and
    its materials (composition keys)."""
    # One read for both (each read of the store is a catalog round trip on a team store).
    touched = src.query(
        "SELECT DISTINCT family, property, method, variant, composition_key FROM base "
        "WHERE source = ?",
        [source],
    ).df()
    cohorts = touched.drop(columns="composition_key").drop_duplicates().reset_index(drop=True)
    return cohorts, list(dict.fromkeys(touched["composition_key"]))


def scope_record_keys(
    src: CohortSource, cohorts: pd.DataFrame, composition_keys: list[str]
) -> tuple[list[str], list[str]]:
    """Record keys of every record in `cohorts`, and of every record of `composition_keys`."""
    rows = src.query(
        ", sel AS (SELECT DISTINCT unnest(?) AS family, unnest(?) AS property, unnest(?) AS method, "
        "unnest(?) AS variant), "
        "flagged AS (SELECT record_key, "
        "  EXISTS (SELECT 1 FROM sel WHERE sel.family = base.family AND sel.property = base.property "
        "          AND sel.method = base.method AND sel.variant = base.variant) AS in_cohort, "
        "  composition_key IN (SELECT unnest(?)) AS of_material FROM base) "
        "SELECT record_key, in_cohort, of_material FROM flagged WHERE in_cohort OR of_material",
        [
            *[list(cohorts[c].astype(str)) for c in ("family", "property", "method", "variant")],
            list(composition_keys),
        ],
    ).fetchall()
    return [r[0] for r in rows if r[1]], [r[0] for r in rows if r[2]]
