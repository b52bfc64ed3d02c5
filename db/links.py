"""Cross-source links: the same measurement re-published by several sources counts once.

OBELiX names the Liverpool row (`Liion ID`, which is the 0-based row index in
LiIonDatabase.csv, not its `ID` column: 131 of 164 compositions agree that way, 11 by `ID`)
and the Laskowski reference (`Laskowski ID`) it copied; IonNet re-publishes Liverpool rows under the same IDs. A stated link whose rows agree
(same composition key, conductivity within LINK_LOG10_TOLERANCE) merges the two records into
one measurement; a stated link whose rows disagree is kept with matched = false and not merged.

A number extracted from a paper that the store already holds (same DOI, property, composition
key and value within rounding) is a copy too: `same_doi_value` links tie it to the existing
record, which stays primary (`existing_copies` answers the same question for a review page).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from db.version import bump_store_version

# Two copies of one number differ only by rounding: 0.02 in log10 is under 5 %.
LINK_LOG10_TOLERANCE = 0.02
DOI_VALUE_LINK = "same_doi_value"
# One rule for "the same measurement of the same paper" (record `o` is the existing copy):
# same DOI (case-insensitive), property and composition key, no bound, values within rounding.
_SAME_PAPER_NUMBER = f"""
    o.is_primary AND o.doi IS NOT NULL AND lower(o.doi) = lower(?) AND o.property = ?
    AND o.composition_key = ? AND o.censored IS NULL AND o.value > 0
    AND abs(log10(o.value) - log10(?)) <= {LINK_LOG10_TOLERANCE}
"""


def _sigma_records(con: duckdb.DuckDBPyConnection, source: str) -> pd.DataFrame:
    return con.execute(
        """
        SELECT record_id, source, source_row, composition_key, log10_value, reference, measurement_id
        FROM records WHERE source = ? AND property = 'sigma'
        """,
        [source],
    ).df()


def _agree(a: pd.Series, b: pd.Series) -> bool:
    return a.composition_key == b.composition_key and (
        abs(a.log10_value - b.log10_value) <= LINK_LOG10_TOLERANCE
    )


def find_links(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every stated or value-matched link between copies of one conductivity."""
    links: list[dict] = []
    obelix = _sigma_records(con, "obelix")
    liverpool = _sigma_records(con, "liverpool")
    laskowski = _sigma_records(con, "laskowski")
    ionnet = _sigma_records(con, "ionnet")
    entries = con.execute(
        "SELECT source_row, liion_id, laskowski_id FROM entries WHERE source = 'obelix'"
    ).df()
    obelix = obelix.merge(entries, on="source_row", how="left")
    liverpool["liverpool_id"] = liverpool.source_row.str.split("@").str[0]
    ionnet["liverpool_id"] = ionnet.source_row.str.split("@").str[0]
    liv_by_id = {k: g for k, g in liverpool.groupby("liverpool_id")}
    # source_row is "<ID>@L<line>"; line 2 holds row index 0.
    liverpool["row_index"] = (
        liverpool.source_row.str.extract(r"@L(\d+)$")[0].astype(int) - 2
    ).astype(str)
    liv_by_index = {k: g for k, g in liverpool.groupby("row_index")}
    laskowski["ref"] = laskowski.reference.str.extract(r"ref\. (\d+)$")[0]
    las_by_ref = {k: g for k, g in laskowski.groupby("ref")}

    def link(a: pd.Series, b_rows: pd.DataFrame | None, link_type: str) -> None:
        if b_rows is None or b_rows.empty:
            return
        agreeing = [b for b in b_rows.itertuples() if _agree(a, b)]
        if agreeing:
            for b in agreeing[:1]:
                links.append(_link(a, b, link_type, True, None))
        elif link_type != "laskowski_id":
            # A Laskowski reference covers many compounds: only a match is a link there.
            b = next(b_rows.itertuples())
            note = f"stated link, but values differ: {a.log10_value:.3f} vs {b.log10_value:.3f} log10 S/cm"
            if a.composition_key != b.composition_key:
                note = f"stated link, but compositions differ: {a.composition_key} vs {b.composition_key}"
            links.append(_link(a, b, link_type, False, note))

    for a in obelix.itertuples():
        if isinstance(a.liion_id, str):
            link(a, liv_by_index.get(a.liion_id), "liion_id")
        if isinstance(a.laskowski_id, str):
            link(a, las_by_ref.get(a.laskowski_id), "laskowski_id")
    liverpool_keyed = {k: g for k, g in liverpool.groupby("composition_key")}
    for a in ionnet.itertuples():
        same_id = liv_by_id.get(a.liverpool_id)
        if same_id is not None and any(_agree(a, b) for b in same_id.itertuples()):
            link(a, same_id, "liverpool_id")
        else:
            # IonNet comes from another version of the Liverpool data: match on the number.
            candidates = liverpool_keyed.get(a.composition_key)
            if candidates is not None:
                hits = candidates[(candidates.log10_value - a.log10_value).abs() <= 1e-6]
                if not hits.empty:
                    links.append(_link(a, next(hits.itertuples()), "same_value", True, None))
    return links


def existing_copies(
    con: duckdb.DuckDBPyConnection,
    doi: str | None,
    items: list[tuple[str, str | None, float | None]],
    exclude_source: str | None = None,
) -> list[dict | None]:
    """For each (property, composition key, value in canonical units) of a paper `doi`, the
    primary record that already holds it ({"record_id", "source", "source_row"}) or None."""
    out: list[dict | None] = []
    for prop, key, value in items:
        if not doi or not key or value is None or value <= 0:
            out.append(None)
            continue
        row = con.execute(
            f"""
            SELECT o.record_id, o.source, o.source_row FROM records o
            WHERE {_SAME_PAPER_NUMBER} AND o.source IS DISTINCT FROM ?
            ORDER BY o.record_id LIMIT 1
            """,
            [doi, prop, key, value, exclude_source],
        ).fetchall()  # fetched to the end: DuckDB keeps an unfinished result busy
        out.append(
            dict(zip(("record_id", "source", "source_row"), row[0], strict=True)) if row else None
        )
    return out


def find_doi_value_links(con: duckdb.DuckDBPyConnection, source: str | None = None) -> list[dict]:
    """Links from each record of an extracted source (`source`, or every one) to the record of
    another source that already holds the same number of the same paper.

    Between two extractions of one paper, the later record is the copy."""
    extracted = con.execute(
        """
        SELECT r.record_id, r.source, r.source_row, r.doi, r.property, r.composition_key, r.value
        FROM records r
        WHERE r.source IN (SELECT DISTINCT source FROM extractions WHERE status = 'accepted')
          AND (? IS NULL OR r.source = ?) AND r.censored IS NULL
        ORDER BY r.record_id
        """,
        [source, source],
    ).fetchall()
    links = []
    for record_id, src, row, doi, prop, key, value in extracted:
        if not doi or not key or value is None or value <= 0:
            continue
        hit = con.execute(
            f"""
            SELECT o.record_id, o.source, o.source_row FROM records o
            WHERE {_SAME_PAPER_NUMBER} AND o.source <> ?
              AND (o.source NOT IN (SELECT DISTINCT source FROM extractions) OR o.record_id < ?)
            ORDER BY o.record_id LIMIT 1
            """,
            [doi, prop, key, value, src, record_id],
        ).fetchall()
        if hit:
            hit = hit[0]
            a = pd.Series({"source": src, "source_row": row, "record_id": record_id})
            b = pd.Series({"source": hit[1], "source_row": hit[2], "record_id": hit[0]})
            links.append(_link(a, b, DOI_VALUE_LINK, True, "the same number of the same paper"))
    return links


def _link(a, b, link_type: str, matched: bool, note: str | None) -> dict:
    return {
        "source_a": a.source,
        "row_a": a.source_row,
        "record_a": a.record_id,
        "source_b": b.source,
        "row_b": b.source_row,
        "record_b": b.record_id,
        "link_type": link_type,
        "matched": matched,
        "note": note,
    }


def link_measurements(con: duckdb.DuckDBPyConnection, source_priority: list[str]) -> dict:
    """Write the links and merge matched copies into one measurement with one primary record.

    Returns:
        Counts: links by type, matched links, and records that stopped being primary.
    """
    return apply_links(con, find_links(con) + find_doi_value_links(con), source_priority)


def link_extracted_copies(
    con: duckdb.DuckDBPyConnection, source: str, source_priority: list[str]
) -> dict:
    """After an extraction is committed as `source`: its numbers the store already held become
    non-primary copies linked to the existing records (the caller holds the transaction)."""
    links = find_doi_value_links(con, source)
    summary = apply_links(con, links, source_priority)
    summary["copies"] = [
        {"row": lk["row_a"], "record_id": lk["record_b"], "source": lk["source_b"]} for lk in links
    ]
    return summary


def apply_links(
    con: duckdb.DuckDBPyConnection, links: list[dict], source_priority: list[str]
) -> dict:
    """Write `links` and merge each matched group into one measurement whose primary record is
    the copy of the highest-priority source (a source not in the list ranks last)."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for lk in links:
        if lk["matched"]:
            ra, rb = find(lk["record_a"]), find(lk["record_b"])
            if ra != rb:
                parent[ra] = rb
    if links:
        frame = pd.DataFrame(links)[
            ["source_a", "row_a", "source_b", "row_b", "link_type", "matched", "note"]
        ]
        con.register("_links", frame)
        con.execute("INSERT INTO links SELECT * FROM _links")
        con.unregister("_links")
    members = list(parent)
    demoted = 0
    if members:
        info = con.execute(
            "SELECT record_id, source, measurement_id FROM records WHERE record_id IN (SELECT unnest(?))",
            [members + [find(m) for m in members]],
        ).df()
        info["group"] = info.record_id.map(find)
        rank = {name: i for i, name in enumerate(source_priority)}
        info["rank"] = info.source.map(lambda s: rank.get(s, len(rank)))
        updates = []
        for _, group in info.drop_duplicates("record_id").groupby("group"):
            primary = group.sort_values(["rank", "record_id"]).iloc[0]
            for row in group.itertuples():
                updates.append(
                    (row.record_id, primary.measurement_id, row.record_id == primary.record_id)
                )
        frame = pd.DataFrame(updates, columns=["record_id", "measurement_id", "is_primary"])
        demoted = int((~frame.is_primary).sum())
        con.register("_updates", frame)
        con.execute(
            """
            UPDATE records SET measurement_id = u.measurement_id, is_primary = u.is_primary
            FROM _updates u WHERE records.record_id = u.record_id
            """
        )
        con.unregister("_updates")
    bump_store_version(con, records=True)
    by_type: dict[str, int] = {}
    for lk in links:
        by_type[lk["link_type"]] = by_type.get(lk["link_type"], 0) + 1
    return {
        "links": len(links),
        "by_type": by_type,
        "matched": sum(lk["matched"] for lk in links),
        "duplicates_merged": demoted,
    }
