"""`extract FILE... [--doi DOI] [--llm] --json [--out rows.csv]` as a user runs it."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

from auditor.extract.candidate import JSON_FIELDS
from auditor.extract.cli import TEMPLATE, main
from db.loaders.template import TEMPLATE_COLUMNS, load_template_rows, user_source_spec
from pipeline.names import RULES
from tests.auditor.extract_helpers import PAPER_PAGES, write_pdf
from tests.paths import REPO

TEXT = (
    "Na11Sn2PS12 exhibits an ionic conductivity of 1.4 mS cm−1, with a very low activation "
    "energy barrier for Na-ion mobility of 0.25 eV. Its electronic conductivity is 10−9 S cm−1.\n"
)


def _lines(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]


def test_json_lines_carry_the_documented_fields(tmp_path, capsys):
    txt = tmp_path / "paper.txt"
    txt.write_text(TEXT, encoding="utf-8")
    assert main(["extract", str(txt), "--doi", "10.1039/c7ee03083e", "--json"]) == 0
    rows = _lines(capsys)
    assert len(rows) == 3
    for row in rows:
        assert list(row)[: len(JSON_FIELDS)] == list(JSON_FIELDS)
        assert row["file"] == str(txt) and row["engine"] == "rules"
    accepted = [r for r in rows if r["excluded"] is None]
    assert [(r["property"], r["value"], r["unit"]) for r in accepted] == [
        ("sigma", 1.4, "mS/cm"),
        ("Ea", 0.25, "eV"),
    ]
    assert all(r["value_text"] in r["quote"] for r in accepted)
    (electronic,) = [r for r in rows if r["excluded"]]
    assert "electronic" in electronic["excluded"] and electronic["status"] == "excluded"


def test_out_writes_the_ingest_template_plus_quote_and_it_loads(tmp_path, capsys):
    pdf = write_pdf(tmp_path / "paper.pdf", PAPER_PAGES)
    out = tmp_path / "rows.csv"
    assert main([str(pdf), "--json", "--out", str(out)]) == 0
    capsys.readouterr()
    with open(out, encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames) == TEMPLATE == (*TEMPLATE_COLUMNS, "quote")
        rows = list(reader)
    assert len(rows) == 5 and {r["doi"] for r in rows} == {"10.1234/test.2026.0042"}
    assert all(r["quote"] for r in rows)
    # The file is what `ingest` reads: every row loads, none is quarantined.
    result = load_template_rows(user_source_spec("extract-test"), rows, RULES)
    assert result.quarantined_rows == 0 and len(result.records) == 5


def test_an_unreadable_file_is_reported_without_a_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"not a pdf")
    good = tmp_path / "good.txt"
    good.write_text(TEXT, encoding="utf-8")
    assert main([str(bad), str(good), "--json"]) == 2
    captured = capsys.readouterr()
    assert "bad.pdf" in captured.err and "Traceback" not in captured.err
    assert len(captured.out.splitlines()) == 3  # the good file still ran


def test_llm_without_configuration_is_refused_readably(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SSE_AUDIT_LLM_MODEL", raising=False)
    good = tmp_path / "good.txt"
    good.write_text(TEXT, encoding="utf-8")
    assert main([str(good), "--llm", "--json"]) == 2
    assert "SSE_AUDIT_LLM_MODEL" in capsys.readouterr().err


def test_python_dash_m_runs_it(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(TEXT, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "auditor.extract", str(good), "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.splitlines()) == 3
