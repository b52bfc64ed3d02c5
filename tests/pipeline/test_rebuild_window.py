"""A rebuild while people write: uploads, reviews and overrides made during it survive the swap.

The writes are made by other real processes at two moments of a real build: just after it
copied the carried tables (caught up before the swap), and just before the swap: on a file,
before it takes the old store's write lock (caught up under the lock); on a team store, before
the publish's last catch-up (the publish then commits only if nothing landed after it; the
restart when something does is tests/db/test_team_store.py's rebuild test). Both modes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from db.config import REPO_ROOT, is_lake
from db.connection import reading
from pipeline.build import build_store
from tests.sharing import cli, lab_csv, source_counts

STORE_MODES = ("embedded", "team")
# The build's last step, as its progress says it: the file's swap, or the team store's publish.
SWAP_STEPS = ("swapping in the new store", "publishing into the")

REVIEW = """
import sys
from db.connection import writing
from db.decisions import set_override
from db.flags import review_flag
path, record_key, rule, tag = sys.argv[1:]
with writing(path) as con:
    assert review_flag(con, record_key, rule, status="dismissed", note=tag, reviewer="window")
    set_override(con, "family", f"window-{tag}", {"family": "garnet"}, reviewer="window", note=tag)
"""


def _review(path, flag, tag):
    done = subprocess.run(
        [sys.executable, "-c", REVIEW, str(path), *flag, tag],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def test_writes_made_during_a_rebuild_are_in_the_new_store(store_copy, tmp_path):
    with reading(store_copy, on_wait=None) as con:
        flags = con.execute(
            "SELECT record_key, rule FROM flags WHERE active AND status = 'open' "
            "ORDER BY record_key, rule LIMIT 2"
        ).fetchall()
    assert len(flags) == 2
    seen: list[str] = []

    def progress(fraction: float, message: str) -> None:
        seen.append(message)
        tag = None
        if message.startswith("loading") and "during" not in " ".join(seen[:-1]):
            tag, flag = "during", flags[0]  # after the carry-over, at the build's start
        elif message.startswith(SWAP_STEPS) and "at-swap" not in seen:
            tag, flag = "at-swap", flags[1]  # after the last unlocked catch-up
        if tag:
            seen.append(tag)
            csv = lab_csv(tmp_path / f"{tag}.csv", f"10.1000/window.{tag}")
            ingest = cli("ingest", str(csv), "--source", f"window-{tag}", "--path", str(store_copy))
            assert ingest.returncode == 0, ingest.stderr
            _review(store_copy, flag, tag)

    summary = build_store(store_copy, progress=progress)
    assert "during" in seen and "at-swap" in seen
    assert summary["caught_up"]["new_upload_sources"] == ["window-during"]
    assert summary["caught_up_at_swap"]["new_upload_sources"] == ["window-at-swap"]

    for tag in ("during", "at-swap"):
        counts = source_counts(store_copy, f"window-{tag}")
        # rows_in = loaded + quarantined, each committed row once.
        assert counts == {
            "records": 2,
            "distinct_keys": 2,
            "quarantine": 1,
            "uploads": 3,
            "sources_row": (3, 2, 1),
        }, tag
    with reading(store_copy, on_wait=None) as con:
        for (record_key, rule), tag in zip(flags, ("during", "at-swap"), strict=True):
            assert con.execute(
                "SELECT status, note, reviewer FROM flags WHERE record_key = ? AND rule = ?",
                [record_key, rule],
            ).fetchone() == ("dismissed", tag, "window")
            assert (
                con.execute(
                    "SELECT count(*) FROM normalization_overrides WHERE input = ?",
                    [f"window-{tag}"],
                ).fetchone()[0]
                == 1
            )
            assert (
                con.execute(
                    "SELECT count(*) FROM normalization_decisions WHERE backend = 'manual' "
                    "AND input = ?",
                    [f"window-{tag}"],
                ).fetchone()[0]
                == 1
            )
    if not is_lake(store_copy):  # the build left no temporary file behind
        store = Path(store_copy)
        assert not list(store.parent.glob(f".{store.name}.building-*"))
