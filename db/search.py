"""The explorer's reads: filter options, search vocabulary, paged record search, and the
search index that makes a text search cheap at a million records.

A text search matches a record when its composition_key, material_raw, doi or family_raw
contains the text, case-insensitively (ILIKE '%text%'), or when its composition_key is one of
the canonical keys the text names. The index answers exactly that, from three sorted tables
(`db/schema.sql`): the distinct values of those columns (`search_terms`), every 8-character
window of each lowercased term (`search_grams`: a term contains the text only if one of its
windows starts with the text's first 8 characters, lowercased) and which records hold each
term, with the record's place in the explorer's order (`search_postings`). A lookup is a range
on the sorted grams, then semi-joins by id: zone maps prune them with or without an ART index
(DuckLake has none). Candidates are checked with the same ILIKE, so the index only narrows
what the scan would test. The pipeline refreshes it after every write that changes records
(`refresh_search_index`) and stamps the records version; a search reads it only when that
stamp is current and otherwise scans `records` as before.
"""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd

from db.connection import transaction
from db.version import build_info_value, records_version, set_build_info

# Columns the explorer shows, in order; everything else stays in the evidence card.
EXPLORER_COLUMNS = (
    "record_id",
    "composition_key",
    "material_raw",
    "family",
    "carrier_ion",
    "property",
    "value",
    "unit",
    "log10_value",
    "qualifier",
    "temperature_k",
    "method_tag",
    "method_raw",
    "source",
    "doi",
    "is_primary",
)


def filter_options(con: duckdb.DuckDBPyConnection) -> dict[str, list]:
    """Distinct values for the explorer's filters, and the temperature span."""
    options = {}
    for column in ("family", "carrier_ion", "property", "method_tag", "source"):
        options[column] = [
            r[0]
            for r in con.execute(
                f"SELECT DISTINCT {column} FROM records WHERE {column} IS NOT NULL ORDER BY 1"  # noqa: S608
            ).fetchall()
        ]
    options["temperature"] = list(
        con.execute("SELECT min(temperature_k), max(temperature_k) FROM records").fetchone()
    )
    return options


def search_vocabulary(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every composition key, source material name and family label in the store: what a
    search can hit, trimmed and distinct."""
    rows = con.execute(
        "SELECT DISTINCT trim(term) FROM (SELECT unnest([composition_key, material_raw, "
        "family_raw, family]) AS term FROM records) WHERE term IS NOT NULL AND trim(term) <> '' "
        "ORDER BY 1"
    ).fetchall()
    return [r[0] for r in rows]


def _record_filter(
    *,
    keys: list[str] | None,
    text: str | None,
    families=None,
    carriers=None,
    properties=None,
    methods=None,
    sources=None,
    t_range: tuple[float, float] | None = None,
) -> tuple[str, list]:
    """A WHERE clause and its parameters; column names are fixed here, values are parameters."""
    clauses, params = [], []
    if text:
        like = f"%{text}%"
        search = [
            "composition_key ILIKE ?",
            "material_raw ILIKE ?",
            "doi ILIKE ?",
            "family_raw ILIKE ?",
        ]
        params += [like, like, like, like]
        if keys:
            search.append("composition_key IN (SELECT unnest(?))")
            params.append(list(keys))
        clauses.append("(" + " OR ".join(search) + ")")
    for column, values in (
        ("family", families),
        ("carrier_ion", carriers),
        ("property", properties),
        ("method_tag", methods),
        ("source", sources),
    ):
        if values:
            clauses.append(f"{column} IN (SELECT unnest(?))")
            params.append(list(values))
    if t_range is not None:
        clauses.append("(temperature_k IS NULL OR temperature_k BETWEEN ? AND ?)")
        params += [float(t_range[0]), float(t_range[1])]
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def search_records(
    con: duckdb.DuckDBPyConnection,
    *,
    limit: int = 50,
    offset: int = 0,
    columns: tuple[str, ...] = EXPLORER_COLUMNS,
    use_index: bool | None = None,
    **filters,
) -> tuple[pd.DataFrame, int]:
    """One page of records matching the filters, and the total count (see `_record_filter`).

    A text search reads the search index when it is current and the store holds at least
    `INDEX_FROM_RECORDS` records (`use_index=True`: at any size; `False`: scan the records,
    the reference the index is tested against); the answer is the same.
    """
    if use_index is not False and _indexable(filters.get("text")):
        stamp = _current_stamp(con)
        if stamp is not None and (use_index or stamp.get("records", 0) >= INDEX_FROM_RECORDS):
            return _search_indexed(con, limit=limit, offset=offset, columns=columns, **filters)
    return _search_scan(con, limit=limit, offset=offset, columns=columns, **filters)


def _search_scan(
    con: duckdb.DuckDBPyConnection,
    *,
    limit: int,
    offset: int,
    columns: tuple[str, ...],
    **filters,
) -> tuple[pd.DataFrame, int]:
    where, params = _record_filter(**filters)
    # One scan: the page and the total together (a window count), not a count then a page.
    frame = con.execute(
        f"SELECT {', '.join(columns)}, count(*) OVER () AS _total FROM records{where} "  # noqa: S608
        "ORDER BY composition_key, property, source, record_id LIMIT ? OFFSET ?",
        [*params, int(limit), int(offset)],
    ).df()
    if len(frame):
        total = int(frame["_total"].iloc[0])
    else:  # past the last page (or nothing matches): the count alone
        total = con.execute(f"SELECT count(*) FROM records{where}", params).fetchone()[0]  # noqa: S608
    return frame.drop(columns="_total"), int(total)


_INDEX_KEY = "search_index"
# Characters of a gram: longer texts are narrowed by their first GRAM_LENGTH characters, then
# checked with ILIKE.
GRAM_LENGTH = 8
# The largest Unicode code point: prefix || it bounds every string that starts with prefix.
_TOP = chr(0x10FFFF)
_SEARCHED = "[composition_key, material_raw, doi, family_raw]"
# The explorer's order, as `_search_scan` sorts.
_EXPLORER_ORDER = "composition_key, property, source, record_id"
# Below this many records a scan of `records` costs less than the index's few lookups
# (measured: 7 ms against 17 ms of CPU at 6,050 records; 0.25 s against 0.06 s at 1M).
INDEX_FROM_RECORDS = 50_000
# Pages up to this many rows are fetched by an IN list (an index scan where there is an ART
# index); larger ones (a download) by a join.
_IN_LIST_MAX = 1000


def _indexable(text: str | None) -> bool:
    # ILIKE reads % and _ in the text as wildcards; such a text is left to the scan.
    return bool(text) and "%" not in text and "_" not in text


def _current_stamp(con: duckdb.DuckDBPyConnection) -> dict | None:
    value = build_info_value(con, _INDEX_KEY)
    stamp = json.loads(value) if value else None
    current = stamp is not None and stamp.get("records_version") == records_version(con)
    return stamp if current else None


def search_index_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the search index describes the records as they are now."""
    return _current_stamp(con) is not None


def refresh_search_index(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Bring the search index up to the current records, in one transaction, and stamp it.

    Terms and their grams are only appended (a term no record holds any more finds nothing,
    since postings are rebuilt); the postings are recomputed whole, because a record's place
    in the explorer's order moves with every record written.

    Returns:
        Rows: new terms, new grams, postings.
    """
    with transaction(con):
        first_new = con.execute(
            "SELECT coalesce(max(term_id), 0) + 1 FROM search_terms"
        ).fetchone()[0]
        # Each INSERT answers with its row count (no count(*): a catalog round trip on a lake).
        new_terms = con.execute(
            f"""
            INSERT INTO search_terms
            WITH v AS (SELECT DISTINCT unnest({_SEARCHED}) AS term FROM records),
            fresh AS (SELECT term FROM v WHERE term IS NOT NULL
                      AND NOT EXISTS (SELECT 1 FROM search_terms s WHERE s.term = v.term))
            SELECT ? - 1 + row_number() OVER (ORDER BY term), term FROM fresh ORDER BY term
            """,  # noqa: S608 - fixed fragments
            [first_new],
        ).fetchone()[0]
        new_grams = con.execute(
            """
            INSERT INTO search_grams
            WITH t AS (SELECT term_id, lower(term) AS lowered FROM search_terms WHERE term_id >= ?)
            SELECT DISTINCT substr(lowered, p, ?) AS gram, term_id
            FROM t, range(1, length(lowered) + 1) r(p)
            ORDER BY gram, term_id
            """,
            [first_new, GRAM_LENGTH],
        ).fetchone()[0]
        con.execute("DELETE FROM search_postings")
        postings = con.execute(
            f"""
            INSERT INTO search_postings
            WITH r AS (
                SELECT record_id, {_SEARCHED} AS terms, composition_key,
                       row_number() OVER (ORDER BY {_EXPLORER_ORDER}) AS rank
                FROM records
            ),
            u AS (SELECT record_id, rank, composition_key, unnest(terms) AS term FROM r)
            SELECT s.term_id, u.record_id, u.rank, bool_or(u.term = u.composition_key) AS is_key
            FROM u JOIN search_terms s ON s.term = u.term
            GROUP BY ALL
            ORDER BY s.term_id, u.rank
            """  # noqa: S608 - fixed fragments
        ).fetchone()[0]
        n = con.execute("SELECT count(*) FROM records").fetchone()[0]
        set_build_info(con, {_INDEX_KEY: json.dumps({"records_version": records_version(con), "records": n})})
    return {"new_terms": int(new_terms), "new_grams": int(new_grams), "postings": int(postings)}


def _candidate_terms(con: duckdb.DuckDBPyConnection, texts: list[str]) -> list[int]:
    """Ids of the terms one of whose grams starts with a text's first characters (lowercased
    by DuckDB, as ILIKE lowers)."""
    # One range per text on the sorted grams (zone maps skip all but its row groups); an OR of
    # ranges would not be pruned, a UNION ALL is.
    one = (
        "SELECT term_id FROM search_grams WHERE gram >= left(lower(?), ?) "
        "AND gram < left(lower(?), ?) || ? AND starts_with(gram, left(lower(?), ?))"
    )
    params: list = []
    for text in texts:
        params += [text, GRAM_LENGTH, text, GRAM_LENGTH, _TOP, text, GRAM_LENGTH]
    rows = con.execute(
        "SELECT DISTINCT term_id FROM (" + " UNION ALL ".join([one] * len(texts)) + ")", params
    ).fetchall()
    return sorted(r[0] for r in rows)


def _search_indexed(
    con: duckdb.DuckDBPyConnection,
    *,
    limit: int,
    offset: int,
    columns: tuple[str, ...],
    text: str,
    keys: list[str] | None = None,
    **filters,
) -> tuple[pd.DataFrame, int]:
    keys = [k for k in (keys or []) if k]
    text_hits, key_hits = _matching_terms(con, text, keys)
    where, params = _record_filter(keys=None, text=None, **filters)
    if where:
        # Other filters: the matched records that also pass them (a join on the matched ids).
        total, ids = con.execute(
            f"""
            WITH m AS (
                SELECT DISTINCT p.record_id, p.rank FROM search_postings p
                WHERE p.term_id IN (SELECT unnest(?::BIGINT[]))
                   OR (p.is_key AND p.term_id IN (SELECT unnest(?::BIGINT[])))
            ),
            f AS (SELECT m.* FROM m JOIN records USING (record_id){where}),
            page AS (SELECT record_id, rank FROM f ORDER BY rank LIMIT ? OFFSET ?)
            SELECT (SELECT count(*) FROM f), (SELECT list(record_id ORDER BY rank) FROM page)
            """,  # noqa: S608 - fixed fragments; values are parameters
            [text_hits, key_hits, *params, int(limit), int(offset)],
        ).fetchone()
        ids = list(ids or [])
    else:
        # Few rows per term: the postings come back whole and are paged here.
        got = con.execute(
            "SELECT term_id, record_id, rank, is_key FROM search_postings "
            "WHERE term_id IN (SELECT unnest(?::BIGINT[]))",
            [sorted({*text_hits, *key_hits})],
        ).fetchnumpy()
        keep = np.isin(got["term_id"], np.asarray(text_hits, dtype=np.int64))
        keep |= np.asarray(got["is_key"], dtype=bool) & np.isin(
            got["term_id"], np.asarray(key_hits, dtype=np.int64)
        )
        ranks, at = np.unique(np.asarray(got["rank"])[keep], return_index=True)
        matched = np.asarray(got["record_id"])[keep][at]  # in rank order
        total = len(ranks)
        ids = [int(i) for i in matched[offset : offset + limit]]
    return _fetch_rows(con, ids, columns), int(total)


def _matching_terms(
    con: duckdb.DuckDBPyConnection, text: str, keys: list[str]
) -> tuple[list[int], list[int]]:
    """Ids of the terms that contain `text` (ILIKE), and of the terms equal to one of `keys`."""
    candidates = _candidate_terms(con, [text, *keys])
    if text.isascii() and len(text) <= GRAM_LENGTH and not keys:
        # A gram that starts with the whole lowered text is the containment ILIKE tests
        # (lowering keeps an ASCII text's length; other texts are checked below).
        return candidates, []
    rows = con.execute(
        "SELECT term_id, term ILIKE ?, term IN (SELECT unnest(?::VARCHAR[])) FROM search_terms "
        "WHERE term_id IN (SELECT unnest(?::BIGINT[]))",
        [f"%{text}%", keys, candidates],
    ).fetchall()
    return [r[0] for r in rows if r[1]], [r[0] for r in rows if r[2]]


def _fetch_rows(
    con: duckdb.DuckDBPyConnection, ids: list[int], columns: tuple[str, ...]
) -> pd.DataFrame:
    """The records with these ids, in this order, with these columns."""
    fetched = ", ".join(("record_id", *[c for c in columns if c != "record_id"]))
    if len(ids) <= _IN_LIST_MAX:
        marks = ", ".join("?" * len(ids)) or "NULL"
        frame = con.execute(
            f"SELECT {fetched} FROM records WHERE record_id IN ({marks})",  # noqa: S608
            ids,
        ).df()
    else:
        frame = con.execute(
            f"SELECT {fetched} FROM records "  # noqa: S608 - fixed fragments
            "SEMI JOIN (SELECT unnest(?::BIGINT[]) AS record_id) USING (record_id)",
            [ids],
        ).df()
    order = {record_id: i for i, record_id in enumerate(ids)}
    frame = frame.iloc[frame["record_id"].map(order).argsort()].reset_index(drop=True)
    return frame[list(columns)]
