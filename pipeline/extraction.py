"""Commit a reviewed extraction: accepted rows become a new named source, in one transaction.

Every accepted candidate is verified again against the document before anything is written
(an unverified number never reaches the store); a reviewer may edit the material, property,
method and temperature, never the quoted value. Rejected candidates are kept with their reason.
A number of a paper the store already holds (same DOI, property, composition, value within
rounding) is committed as a non-primary copy linked to the existing record, as the build links
copies across sources (db.links), so nothing is counted twice.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from auditor.extract.candidate import Candidate
from auditor.extract.cli import template_row
from auditor.extract.rules import resolve_material
from auditor.extract.verify import DocumentIndex, verify
from core.units import ReportedValueError, to_canonical
from core.vocab import EXTRACTION_STATUSES
from db.connection import connect, transaction
from db.engine import claim
from db.extractions import (
    accepted_rows_by_source,
    extraction_source_spec,
    insert_extractions,
    load_extraction_rows,
)
from db.links import existing_copies, link_extracted_copies
from db.sources import SOURCE_PRIORITY, source_exists
from db.write import write_source
from pipeline.derive import derive
from pipeline.names import RULES

EDITABLE = ("material", "property", "method", "temperature_text")


class ExtractionCommitError(ValueError):
    """The commit is refused as a whole; the message says why (nothing was written)."""


@dataclass(frozen=True)
class ReviewedCandidate:
    """A candidate with a reviewer's decision."""

    candidate: Candidate
    status: str  # core.vocab.EXTRACTION_STATUSES
    reviewer: str
    reason: str | None = None


def edit_candidate(candidate: Candidate, **edits) -> Candidate:
    """Apply a reviewer's edits; only `EDITABLE` fields may change, and a new material is
    normalized again.

    Raises:
        ExtractionCommitError: an edit to a field that is not editable (the quoted value).
    """
    refused = sorted(set(edits) - set(EDITABLE))
    if refused:
        raise ExtractionCommitError(
            f"{', '.join(refused)} cannot be edited (only {', '.join(EDITABLE)})"
        )
    changed = candidate.with_(**edits)
    if "material" in edits:
        formula, why = (
            resolve_material(edits["material"]) if edits["material"] else (None, "no material")
        )
        changed = changed.with_(formula=formula, formula_reason=why)
    return changed


def apply_edits(candidate: Candidate, edits: dict) -> Candidate:
    """The candidate after a review form's edits (blank means none; unchanged fields and a
    blank property are ignored).

    Raises:
        ExtractionCommitError: an edit to a field that is not editable.
    """
    cleaned = {k: (v.strip() if isinstance(v, str) else v) or None for k, v in edits.items()}
    cleaned = {k: v for k, v in cleaned.items() if v != getattr(candidate, k, None)}
    if cleaned.get("property", "") is None:
        cleaned.pop("property")  # a property cannot be blanked
    return edit_candidate(candidate, **cleaned) if cleaned else candidate


def reviewed_from_decisions(
    candidates: list[Candidate], decisions: list[dict], reviewer: str
) -> list[ReviewedCandidate]:
    """The page's decisions as reviewed rows: each decision is {"status": "pending" |
    "accepted" | "rejected", "reason": str, "edits": {field: value}}. Pending candidates are
    left out; edits that change nothing are ignored.

    Raises:
        ExtractionCommitError: no reviewer, a rejection without its reason, or a refused edit.
    """
    who = (reviewer or "").strip()
    if not who:
        raise ExtractionCommitError("name the reviewer before committing")
    out = []
    for number, (candidate, decision) in enumerate(zip(candidates, decisions, strict=True), 1):
        status = decision.get("status", "pending")
        if status == "pending":
            continue
        reason = (decision.get("reason") or "").strip() or None
        if status == "rejected" and reason is None:
            raise ExtractionCommitError(f"candidate {number} is rejected: give the reason")
        changed = apply_edits(candidate, decision.get("edits") or {})
        out.append(ReviewedCandidate(changed, status, who, reason))
    return out


def _row(item: ReviewedCandidate, source: str, file: str | None, doi: str | None, when) -> dict:
    c = item.candidate
    return {
        "source": source,
        "item": None,
        "file": file,
        "doi": doi,
        "material": c.material,
        "formula": c.formula,
        "property": c.property,
        "value_text": c.value_text,
        "value": c.value,
        "unit": c.unit,
        "temperature_text": c.temperature_text,
        "method": c.method,
        "quote": c.quote,
        "engine": c.engine,
        "model": c.model,
        "prompt_version": c.prompt_version,
        "status": item.status,
        "reason": item.reason,
        "reviewer": item.reviewer,
        "reviewed_at": when,
        "record_key": None,
        "template_row": None,
    }


def commit_extraction(
    reviewed: list[ReviewedCandidate],
    *,
    source: str,
    document: str,
    doi: str | None = None,
    file: str | None = None,
    path: str | os.PathLike | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
) -> dict:
    """Write the accepted candidates as the new source `source`, with every reviewed row kept.

    Args:
        document: the (cleaned) text the candidates were taken from; quotes are checked in it.
        path / con: the store (a connection is used as given and not closed).

    Returns:
        {"source", "committed", "quarantined", "rejected", "reasons", "normalized", "copies"};
        `copies` lists the committed rows the store already held ({"row", "record_id",
        "source"}): each became a non-primary copy linked to that record.

    Raises:
        ExtractionCommitError: a bad name or status, a name taken, nothing accepted, or an
            accepted candidate that fails verification; nothing is written then.
    """
    name = (source or "").strip()
    if not name or len(name) > 64:
        raise ExtractionCommitError("a source name of 1-64 characters is required")
    bad_status = [r.status for r in reviewed if r.status not in EXTRACTION_STATUSES]
    if bad_status:
        raise ExtractionCommitError(
            f"status must be one of {EXTRACTION_STATUSES}, got {bad_status[0]!r}"
        )
    if any(not (r.reviewer or "").strip() for r in reviewed):
        raise ExtractionCommitError("every reviewed row needs its reviewer")
    accepted = [r for r in reviewed if r.status == "accepted"]
    if not accepted:
        raise ExtractionCommitError("nothing accepted: there is no record to commit")
    index = DocumentIndex(document)
    failures = []
    for item in accepted:
        c = item.candidate
        why = c.excluded and f"excluded: {c.excluded}" or verify(c, index)
        if why:
            failures.append(f"{c.value_text} {c.unit} ({c.property}): {why}")
    if failures:
        raise ExtractionCommitError("not verified, nothing written: " + "; ".join(failures))

    when = datetime.now(UTC).replace(tzinfo=None)
    template = []
    for item in accepted:
        row = template_row(item.candidate, doi, file or name)
        row["formula"] = item.candidate.formula
        template.append(row)
    result = load_extraction_rows(extraction_source_spec(name, doi=doi, file=file), template, RULES)
    loaded_keys = {r["source_row"]: r["record_key"] for r in result.records}
    quarantined = {q["source_row"]: q["reason"] for q in result.quarantine}
    history = []
    for i, (item, loaded_from) in enumerate(zip(accepted, template, strict=True), start=1):
        row = _row(item, name, file, doi, when)
        row["record_key"] = loaded_keys.get(f"E{i}")
        row["template_row"] = json.dumps(loaded_from, ensure_ascii=False)
        if f"E{i}" in quarantined:
            row["reason"] = f"quarantined: {quarantined[f'E{i}']}"
        history.append(row)
    history += [_row(r, name, file, doi, when) for r in reviewed if r.status == "rejected"]
    for number, row in enumerate(history, start=1):
        row["item"] = number

    own = con is None
    con = con or connect(path)
    try:
        with transaction(con):
            # Two writers taking one new name: on a lake both would insert; this conflicts.
            claim(con, "sources")
            if source_exists(con, name):
                raise ExtractionCommitError(f"source {name!r} already exists; choose another name")
            write_source(con, result)
            insert_extractions(con, history)
            copies = link_extracted_copies(con, name, SOURCE_PRIORITY)
            # As an ingest does: the new records are normalized, derived and flagged at once,
            # so they appear in their cohort straight away.
            derived = derive(con, source=name, predictions=False)
    finally:
        if own:
            con.close()
    return {
        "source": name,
        "committed": len(result.records),
        "quarantined": len(result.quarantine),
        "rejected": len(reviewed) - len(accepted),
        "reasons": [q["reason"] for q in result.quarantine],
        "normalized": derived["normalization"],
        "copies": copies["copies"],
    }


def store_copies(
    con: duckdb.DuckDBPyConnection,
    candidates: list[Candidate],
    doi: str | None,
    exclude_source: str | None = None,
) -> list[dict | None]:
    """For each candidate, the record that already holds its number for this paper
    ({"record_id", "source", "source_row"}), or None (a review shows it before a commit)."""
    items = []
    for c in candidates:
        try:
            value = to_canonical(c.property, c.value, c.unit).value if c.value is not None else None
        except ReportedValueError:
            value = None
        items.append((c.property, c.formula, value))
    return existing_copies(con, doi, items, exclude_source)


def replay_extractions(con: duckdb.DuckDBPyConnection) -> int:
    """For a rebuild: write every committed extraction again from its accepted rows (the
    `extractions` table is carried over); record keys come out as before."""
    by_source = accepted_rows_by_source(con)
    for name, entry in by_source.items():
        spec = extraction_source_spec(name, doi=entry["doi"], file=entry["file"])
        write_source(con, load_extraction_rows(spec, entry["rows"], RULES))
    return len(by_source)
