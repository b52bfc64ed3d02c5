"""How the pages' work grows with the store: a scaled copy of the real store, timed.

Run: python benchmarks/bench_scale.py --records 1000000 [--json] [--path DIR] [--runs 5]
     python benchmarks/bench_scale.py --store STORE [--json]   # time a store as it is, no build

Replication rule (documented, deterministic): the real store's `records` (built from every
source) are copied R = round(N / n_real) times (R = 1 keeps the store as it is). Replica i >= 1
of a record gets `~r<i>` appended to its record_key, measurement_id, material_raw,
composition_key and path_id, so each replica is a new material with its own hops and cohorts
gain materials rather than duplicates; its value is jittered by a factor 1 + 0.01 j (sigma:
log10_value + log10(1 + 0.01 j)), j in [-1, 1] from a hash of (record_key, i), so no two
replicas are equal. Derived Arrhenius fits are replicated with their derived records. Then, as
the pipeline does after any write that changes records, the cohort tables, the search index and
the flags are refreshed (untimed here, their build times are reported; each refresh is also
timed as an operation).

Timed operations (median of --runs and p95; an operation slower than --slow-s runs once and
says so): what the pages ask of the store, from a fresh cursor. Pages run through Streamlit's
AppTest in a child process (the app's own process, so its peak RSS is the app's), each cold
(caches cleared) then warm (median of reruns). Prints one JSON object with --json, else a table.
Each operation reports wall-clock and CPU time (this process, all DuckDB threads): on a shared
2-core machine the wall clock mostly measures the load average, which is printed beside them.

Stores are opened only through the store API (`db.connection.connect`), never by file path
assumptions beyond the scaled copy this script builds: `--store` times any store the app could
open: a store file (`SSE_AUDIT_DB`) or a team store (`SSE_AUDIT_STORE=postgresql://...`); the
pages' child process is pointed at it the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import duckdb  # noqa: E402

from auditor.cohorts import (  # noqa: E402
    cohort_families,
    cohort_stats,
    cohort_values,
    load_records,
    method_agreement,
    paired_materials,
    refresh_cohort_tables,
    same_hop_pairs,
)
from auditor.outliers import refresh_flags  # noqa: E402
from auditor.placement import placement_records  # noqa: E402
from auditor.reliability import evidence_gaps, reliability_cells  # noqa: E402
from auditor.screen import screen_records  # noqa: E402
from auditor.search_terms import search_keys  # noqa: E402
from auditor.triage import prioritized_flags  # noqa: E402
from db.arrhenius_fits import arrhenius_fits, arrhenius_points  # noqa: E402
from db.config import db_path, is_lake, store_location  # noqa: E402
from db.connection import connect  # noqa: E402
from db.engine import allocate_ids  # noqa: E402
from db.evidence import material_decisions, material_records, material_structures  # noqa: E402
from db.flags import list_flags  # noqa: E402
from db.search import refresh_search_index, search_records  # noqa: E402
from db.version import bump_store_version, store_version  # noqa: E402

SUFFIX = "~r"
# What a demo opens on each page, as URL query parameters.
VIEWS = {
    "views/explorer.py": {"q": "LLZO"},
    "views/evidence.py": {"material": "Li7La3Zr2O12"},
    "views/cohorts.py": {"family": "NASICON", "property": "Em", "cell": "NASICON|Em|NEB|"},
    "views/placement.py": {
        "material": "LLZO",
        "property": "sigma",
        "value": "1e-4",
        "unit": "S/cm",
        "method": "EXP",
    },
    "views/screen.py": {"formula": "LLZO"},
}
FAMILY = "NASICON"
MATERIAL = "Li7La3Zr2O12"


def _peak_rss_mb() -> float:
    # VmHWM: this process's own peak. ru_maxrss of a child started by fork + exec carries the
    # parent's peak at the fork, so the pages' child would report the operations' memory.
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def build_scaled(source: Path, target: Path, records: int) -> dict:
    """Copy the store at `source` to `target` and replicate its records (module docstring)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in (target, target.with_name(target.name + ".wal")):
        stale.unlink(missing_ok=True)
    shutil.copyfile(source, target)
    con = connect(target)
    con.execute("SET enable_progress_bar = false")
    timings = {}
    n_real = con.execute("SELECT count(*) FROM records").fetchone()[0]
    replicas = max(1, round(records / n_real))
    started = time.perf_counter()
    if replicas > 1:
        cols = [
            r[0]
            for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = 'records' "
                "AND database_name = current_database() ORDER BY column_index"
            ).fetchall()
        ]
        jitter = "((hash(b.record_key, t.i) % 2001)::DOUBLE / 1000.0 - 1.0)"
        override = {
            "record_key": f"b.record_key || '{SUFFIX}' || t.i",
            "measurement_id": f"b.measurement_id || '{SUFFIX}' || t.i",
            "material_raw": f"b.material_raw || '{SUFFIX}' || t.i",
            "composition_key": f"b.composition_key || '{SUFFIX}' || t.i",
            "path_id": f"b.path_id || '{SUFFIX}' || t.i",
            "value": f"CASE WHEN b.property = 'sigma' THEN b.value * (1 + 0.01 * {jitter}) "
            f"ELSE b.value * (1 + 0.01 * {jitter}) END",
            "log10_value": f"b.log10_value + log10(1 + 0.01 * {jitter})",
        }
        insert_cols = [c for c in cols if c != "record_id"]
        select = ", ".join(override.get(c, f"b.{c}") for c in insert_cols)
        con.execute("CREATE TEMP TABLE base AS SELECT * FROM records")
        con.execute("CREATE TEMP TABLE base_fits AS SELECT * FROM arrhenius_fits")
        # Ids from the store's counter (no sequences: the same SQL runs on a team store).
        first = allocate_ids(con, "record_id_seq", n_real * (replicas - 1))
        con.execute(
            f"INSERT INTO records (record_id, {', '.join(insert_cols)}) "  # noqa: S608
            f"SELECT ? + row_number() OVER () - 1, {select} FROM base b, range(1, {replicas}) t(i)",
            [first],
        )
        fit_cols = [
            r[0]
            for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = 'arrhenius_fits' "
                "AND database_name = current_database() ORDER BY column_index"
            ).fetchall()
        ]
        fit_override = {
            "record_id": "r.record_id",
            "record_key": "r.record_key",
            "composition_key": "r.composition_key",
        }
        fit_select = ", ".join(fit_override.get(c, f"f.{c}") for c in fit_cols)
        con.execute(
            f"INSERT INTO arrhenius_fits SELECT {fit_select} "  # noqa: S608
            f"FROM base_fits f, range(1, {replicas}) t(i) "
            f"JOIN records r ON r.record_key = f.record_key || '{SUFFIX}' || t.i"
        )
        bump_store_version(con, records=True)
    # What the pipeline does after a write that changes records (pipeline.derive); at 1x it
    # brings a store built before a derived table existed up to date.
    for name, step in (
        ("cohort_tables", refresh_cohort_tables),
        ("search_index", refresh_search_index),
        ("flags", refresh_flags),
    ):
        started_step = time.perf_counter()
        step(con)
        timings[f"{name}_s"] = round(time.perf_counter() - started_step, 2)
    con.execute("CHECKPOINT")
    total = con.execute("SELECT count(*) FROM records").fetchone()[0]
    con.close()
    return {
        "records": total,
        "replicas": replicas,
        "real_records": n_real,
        "build_s": round(time.perf_counter() - started, 2),
        "derived_build": timings,
    }


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def _time(fn: Callable[[], object], runs: int, slow_s: float) -> dict:
    times, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        if times[-1] > slow_s:
            break  # minutes per run: once is enough to say so
    return {
        "median_s": round(statistics.median(times), 4),
        "p95_s": round(_p95(times), 4),
        "cpu_median_s": round(statistics.median(cpu), 4),
        "cpu_p95_s": round(_p95(cpu), 4),
        "runs": len(times),
    }


def operations(
    con: duckdb.DuckDBPyConnection, *, with_frame: bool = False
) -> dict[str, Callable[[], object]]:
    """The store work the pages do, each from a fresh cursor of `con`."""
    # A cursor starts in the default database; a team store's connection has USE'd the lake.
    database = con.execute("SELECT current_database()").fetchone()[0]

    def cur() -> duckdb.DuckDBPyConnection:
        c = con.cursor()
        c.execute(f"USE {database}")
        return c

    def evidence_card() -> None:
        c = cur()
        material_records(c, MATERIAL)
        material_structures(c, MATERIAL)
        material_decisions(c, MATERIAL)
        for fit in arrhenius_fits(c, composition_key=MATERIAL).to_dict("records"):
            arrhenius_points(c, int(fit["record_id"]))
        list_flags(c, status="open", composition_key=MATERIAL)

    ops = {
        "cohort_stats_all": lambda: cohort_stats(cur(), property="Em"),
        "cohort_stats_family": lambda: cohort_stats(cur(), family=FAMILY, property="Em"),
        "paired_materials": lambda: paired_materials(cur()),
        "same_hop_agreement_all": lambda: (
            method_agreement(cur(), "NEB"),
            same_hop_pairs(cur(), reference="NEB"),
        ),
        "same_hop_agreement_family": lambda: (
            method_agreement(cur(), "NEB", family=FAMILY),
            same_hop_pairs(cur(), reference="NEB", family=FAMILY),
        ),
        "cohort_distribution_slice": lambda: (
            cohort_families(cur()),
            cohort_values(cur(), family=FAMILY, property="Em"),
        ),
        # What the pipeline runs after a write that changes records: cohort tables, then flags.
        "cohort_tables_refresh": lambda: refresh_cohort_tables(cur()),
        "flag_refresh": lambda: refresh_flags(cur()),
        "search_index_refresh": lambda: refresh_search_index(cur()),
        "explorer_search_first_page": lambda: search_records(
            cur(), limit=50, offset=0, text="LLZO", keys=search_keys("LLZO")
        ),
        "explorer_search_scan_first_page": lambda: search_records(
            cur(), limit=50, offset=0, text="LLZO", keys=search_keys("LLZO"), use_index=False
        ),
        # The reliability views (Cohorts page map and gaps; "Where does this value sit").
        "reliability_cells_energy": lambda: reliability_cells(cur(), "energy"),
        "evidence_gaps_energy": lambda: evidence_gaps(cur(), "energy"),
        "placement_records": lambda: placement_records(cur(), MATERIAL, "sigma"),
        # The Outliers page's triage: every open flag with its influence; a screen's slice.
        "flag_triage_priority": lambda: prioritized_flags(cur(), list_flags(cur(), status="open")),
        "screen_records": lambda: screen_records(cur(), MATERIAL),
        "evidence_card": evidence_card,
        "store_version": lambda: store_version(cur()),
    }
    if with_frame:
        # No page loads this frame any more; kept to compare with the figures before issue 15.
        ops["load_cohort_records"] = lambda: load_records(cur())
    return ops


def time_operations(path: Path, runs: int, slow_s: float, with_frame: bool = False) -> dict:
    con = connect(path)
    ops = operations(con, with_frame=with_frame)
    out = {}
    for name, fn in ops.items():
        out[name] = _time(fn, runs, slow_s)
        print(f"  {name}: {out[name]}", file=sys.stderr, flush=True)
    con.close()
    return out


def time_pages(path: Path | str, runs: int, only: list[str] | None = None) -> dict:
    """Every page cold and warm, in this process (called in a child: `--pages-only`)."""
    if is_lake(path):  # a team store: the app finds it through SSE_AUDIT_STORE
        os.environ["SSE_AUDIT_STORE"] = str(path)
    else:
        os.environ["SSE_AUDIT_DB"] = str(path)
    os.environ["SSE_AUDIT_TRAIN_ON_START"] = "0"
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from app import PAGES

    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=1800)
    at.run()  # opens the store (cache_resource), outside the page timings
    out = {}
    for page, title, _ in PAGES:
        if only and title not in only and page not in only:
            continue
        at.switch_page(page)
        at.query_params.clear()
        for key, value in VIEWS.get(page, {}).items():
            at.query_params[key] = value
        st.cache_data.clear()
        started = time.perf_counter()
        at.run()
        cold = time.perf_counter() - started
        warm = []
        for _ in range(runs):
            started = time.perf_counter()
            at.run()
            warm.append(time.perf_counter() - started)
        out[title] = {
            "cold_s": round(cold, 3),
            "warm_s": round(statistics.median(warm), 3),
            "exception": bool(at.exception),
            # The process's peak so far: a page that raises it is the one that holds memory.
            "peak_rss_mb_after": round(_peak_rss_mb(), 1),
        }
        print(f"  page {title}: {out[title]}", file=sys.stderr, flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--path", type=Path, default=None, help="folder for the scaled store")
    parser.add_argument("--source", type=Path, default=None, help="the real store (SSE_AUDIT_DB)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--slow-s", type=float, default=60.0, help="run once when slower")
    parser.add_argument("--reuse", action="store_true", help="keep a scaled store already built")
    parser.add_argument(
        "--store",
        default=None,
        help="time this store as it is (a store file, or an SSE_AUDIT_STORE team setting); no build",
    )
    parser.add_argument("--skip-pages", action="store_true")
    parser.add_argument(
        "--pages", default=None, help="comma-separated page titles or files to time (default: all)"
    )
    parser.add_argument(
        "--with-frame-load", action="store_true", help="also time loading every cohort record"
    )
    parser.add_argument("--pages-only", default=None, help=argparse.SUPPRESS)  # a file or a lake setting
    args = parser.parse_args()
    if args.pages_only:
        only = args.pages.split(",") if args.pages else None
        pages = time_pages(args.pages_only, args.runs, only)
        print(json.dumps({"pages": pages, "peak_rss_mb": round(_peak_rss_mb(), 1)}))
        return
    load_before = os.getloadavg()
    folder = args.path or Path(tempfile.gettempdir()) / "sse_audit_scale"
    target = folder / f"scaled_{args.records}.duckdb"
    source = db_path(args.source)
    if args.store or (args.reuse and target.exists()):
        target = store_location(args.store) if args.store else target
        con = connect(target, read_only=True)
        total = con.execute("SELECT count(*) FROM records").fetchone()[0]
        con.close()
        build = {"records": total, "reused": True}
    else:
        build = build_scaled(source, target, args.records)
    print(f"scaled store: {build}", file=sys.stderr, flush=True)
    ops = time_operations(target, args.runs, args.slow_s, args.with_frame_load)
    ops_rss = _peak_rss_mb()
    pages, pages_rss = {}, None
    if not args.skip_pages:
        child = subprocess.run(
            [
                sys.executable,
                __file__,
                "--pages-only",
                str(target),
                "--runs",
                str(args.runs),
                *(["--pages", args.pages] if args.pages else []),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        sys.stderr.write(child.stderr[-4000:])
        if child.returncode == 0:
            result = json.loads(child.stdout.strip().splitlines()[-1])
            pages, pages_rss = result["pages"], result["peak_rss_mb"]
    report = {
        "records": build["records"],
        "operations": ops,
        "pages": pages,
        "peak_rss_mb": round(max(ops_rss, pages_rss or 0.0), 1),
        "peak_rss_mb_operations": round(ops_rss, 1),
        "peak_rss_mb_app": pages_rss,
        "scaled_store": str(target),
        "build": build,
        "load_average_before": load_before,
        "load_average": os.getloadavg(),
    }
    if args.json:
        print(json.dumps(report))
        return
    print(
        f"records {report['records']}  peak RSS {report['peak_rss_mb']} MB  "
        f"load average {load_before[0]:.1f} -> {report['load_average'][0]:.1f}"
    )
    print(f"{'operation (s)':<34}{'median':>10}{'p95':>10}{'cpu med':>10}{'cpu p95':>10}")
    for name, t in ops.items():
        print(
            f"{name:<34}{t['median_s']:>10.3f}{t['p95_s']:>10.3f}"
            f"{t['cpu_median_s']:>10.3f}{t['cpu_p95_s']:>10.3f}  (runs {t['runs']})"
        )
    for name, t in pages.items():
        print(f"page {name:<29}{t['cold_s']:>10.3f}{t['warm_s']:>10.3f}")


if __name__ == "__main__":
    main()
