"""`extract FILE... [--doi DOI] [--llm] --json [--out rows.csv]`: candidate rows from papers.

Prints one JSON object per candidate (`auditor.extract.candidate.JSON_FIELDS`, then `status`:
`candidate`, `excluded` or `dropped` - a proposal verification refused, with the reason in
`excluded`). `--out` writes the accepted candidates in the ingest template plus `quote`.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from pathlib import Path

from auditor.extract.candidate import Candidate
from auditor.extract.pdf import DocumentError, read_document
from auditor.extract.run import extract_text
from auditor.normalize.llm import LLMConfig, LLMConfigError
from db.loaders.template import TEMPLATE_COLUMNS

# The ingest template plus the quote: `--out` rows go back through `sse-audit ingest`.
TEMPLATE = (*TEMPLATE_COLUMNS, "quote")
_T_ONE = re.compile(r"^(-?\d+(?:\.\d+)?)\s*(°\s?C|K)$", re.IGNORECASE)


def template_row(candidate: Candidate, doi: str | None, reference: str | None) -> dict:
    """One accepted candidate as a row of the ingest template (plus its quote)."""
    if candidate.qualifier == "range":
        value = f"{candidate.low:g} to {candidate.high:g}"
    elif candidate.qualifier == "~":
        value = f"~{candidate.value:g}"
    else:
        value = f"{candidate.value:g}"
    notes = [f"extracted by {candidate.engine}; printed as {candidate.value_text!r}"]
    if candidate.qualifier == "up to":
        notes.append("printed as an upper value ('up to')")
    temperature = unit = ""
    t = (candidate.temperature_text or "").strip()
    m = _T_ONE.match(t)
    if m:
        temperature, unit = m.group(1), "C" if "c" in m.group(2).lower() else "K"
    elif t and not re.match(r"(?i)room|rt\b|ambient", t):
        notes.append(f"temperature as written: {t}")
    if candidate.formula is None and candidate.formula_reason:
        notes.append(f"material unresolved: {candidate.formula_reason}")
    return {
        "material": candidate.material or "",
        "property": candidate.property,
        "value": value,
        "unit": candidate.unit,
        "temperature": temperature,
        "temperature_unit": unit,
        "method": candidate.method or "",
        "doi": doi or "",
        "reference": reference or "",
        "notes": "; ".join(notes),
        "quote": candidate.quote,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the extraction CLI; returns the exit code (2 for usage or unreadable input)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "extract":
        argv = argv[1:]
    parser = argparse.ArgumentParser(prog="sse-audit extract", description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument("--doi", help="the paper's DOI (otherwise detected in the text)")
    parser.add_argument("--llm", action="store_true", help="let the configured LLM propose too")
    parser.add_argument("--json", action="store_true", help="one JSON object per candidate")
    parser.add_argument(
        "--out", help="write accepted candidates to this CSV (ingest template + quote)"
    )
    args = parser.parse_args(argv)
    config = None
    if args.llm:
        try:
            config = LLMConfig.from_env()
        except LLMConfigError as exc:
            print(f"extract: --llm: {exc}", file=sys.stderr)
            return 2
    rows: list[dict] = []
    status = 0
    for name in args.files:
        try:
            document = read_document(name)
        except DocumentError as exc:
            print(f"extract: {exc}", file=sys.stderr)
            status = 2
            continue
        progress = (lambda d, t: print(f"llm: chunk {d}/{t}", file=sys.stderr)) if config else None
        run = extract_text(document, file=name, doi=args.doi, llm_config=config, progress=progress)
        for fault in run.llm_faults + run.llm_malformed:
            print(f"extract: {name}: llm {fault}", file=sys.stderr)
        if args.json:
            for c in run.candidates:
                obj = c.to_json() | {"status": "candidate" if c.excluded is None else "excluded"}
                print(json.dumps(obj, ensure_ascii=False))
            for c, why in run.dropped:
                obj = c.to_json() | {"excluded": f"failed verification: {why}", "status": "dropped"}
                print(json.dumps(obj, ensure_ascii=False))
        else:
            print(
                f"{name}: {len(run.accepted)} candidates, "
                f"{len(run.candidates) - len(run.accepted)} excluded, {len(run.dropped)} dropped; "
                f"doi {run.doi or 'not found'}"
            )
        rows += [template_row(c, run.doi, Path(name).name) for c in run.accepted]
    if args.out:
        with open(args.out, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=TEMPLATE)
            writer.writeheader()
            writer.writerows(rows)
    return status
