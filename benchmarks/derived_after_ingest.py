"""The derived tables after one ingest, dumped in a canonical form: a check that a change to
the ingest's derivations leaves their results as they were.

    python benchmarks/derived_after_ingest.py OUT_DIR [--store var/sse_audit.duckdb] [--team]

Ingests the benchmark's 20 rows plus one four-temperature series (so a new Arrhenius fit is
derived) as a new source into a copy of a built store (with --team: a team store on a
throwaway PostgreSQL, the build published into it), then writes each table the derivations
touch to OUT_DIR/TABLE.csv, rows sorted, with record ids replaced by their record_key (ids are
allocated, not derived) and the columns that hold times, ids or store versions left out. Run it
once with the old code and once with the new one (each tree's own copy of this script, same
store) and compare: `diff -r OLD NEW`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_team_overhead import ROWS as BENCH_ROWS  # noqa: E402
from benchmarks.bench_team_overhead import published_team_store  # noqa: E402
from db.config import db_path  # noqa: E402
from db.connection import close_lake, reading  # noqa: E402
from db.engine import ensure_extensions  # noqa: E402
from pipeline.ingest import ingest_rows  # noqa: E402
from tests.pg_server import PgServer  # noqa: E402

# The benchmark's rows and a series the Arrhenius step fits: made-up numbers for a check of
# the code, never loaded into a real store.
ROWS = BENCH_ROWS + [
    {
        "material": "Li6PS5Cl",
        "property": "sigma",
        "value": value,
        "unit": "mS/cm",
        "temperature": temperature,
        "temperature_unit": "C",
        "method": "EIS",
        "doi": "10.1000/bench.series",
    }
    for temperature, value in (("25", "1.0"), ("50", "2.1"), ("75", "3.9"), ("100", "6.5"))
]

# table -> (columns holding a record id, columns left out)
TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "records": (("record_id",), ()),
    "arrhenius_fits": (("record_id",), ()),
    "cohort_summaries": ((), ()),
    "cohort_pairs": ((), ()),
    "hop_values": ((), ()),
    "hop_pairs": ((), ()),
    "hop_agreement": ((), ()),
    "search_terms": ((), ()),
    "search_grams": ((), ()),
    "search_postings": (("record_id",), ()),
    "flags": ((), ("flagged_at", "reviewed_at")),
    "normalization_decisions": ((), ("decision_id", "created_at")),
    "ea_predictions": (("record_id",), ()),
    "predictions": (("record_id",), ()),
    "sources": ((), ("loaded_at",)),
    "quarantine": ((), ()),
    "uploads": ((), ("uploaded_at",)),
}


def dump(location: str, out: Path) -> None:
    """Write every table of TABLES to out/TABLE.csv in canonical form."""
    out.mkdir(parents=True, exist_ok=True)
    with reading(location, on_wait=None) as con:
        keys = con.execute("SELECT record_id, record_key FROM records").df()
        key_of = dict(zip(keys["record_id"], keys["record_key"], strict=True))
        for table, (id_columns, left_out) in TABLES.items():
            frame = con.execute(f"SELECT * FROM {table}").df()  # noqa: S608 - fixed names
            frame = frame.drop(columns=[c for c in left_out if c in frame.columns])
            for column in id_columns:
                frame[column] = frame[column].map(lambda i: key_of.get(i, f"(no record {i})"))
            if table == "records":
                # derived_from lists input record ids: as keys, so a renumbering is not a change.
                frame["derived_from"] = frame["derived_from"].map(
                    lambda v: _keys_of(v, key_of) if isinstance(v, str) else None
                )
            if table == "arrhenius_fits":
                frame["input_record_ids"] = frame["input_record_ids"].map(lambda v: _keys_of(v, key_of))
            frame = frame.sort_values(list(frame.columns)).reset_index(drop=True)
            frame.to_csv(out / f"{table}.csv", index=False, float_format="%.17g")


def _keys_of(ids_json: str, key_of: dict) -> str:
    return "|".join(key_of.get(i, f"(no record {i})") for i in json.loads(ids_json))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--store", default=str(db_path()))
    parser.add_argument("--team", action="store_true")
    args = parser.parse_args()
    built = Path(args.store)
    ensure_extensions()
    tmp = Path(tempfile.mkdtemp(prefix="derived-check-"))
    try:
        if not args.team:
            location = str(tmp / "store.duckdb")
            shutil.copy(built, location)
            ingest_rows(ROWS, "derived-check", path=location, on_wait=None)
            dump(location, Path(args.out))
            return 0
        server = PgServer().start()
        try:
            location = published_team_store(server, "sse", built, tmp / "team")
            ingest_rows(ROWS, "derived-check", path=location, on_wait=None)
            dump(location, Path(args.out))
            close_lake(location)
        finally:
            server.destroy()
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
