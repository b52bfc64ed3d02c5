"""A separate process that writes to / reads from the store, driven by tests/db/test_engine.py.

    python -m tests.db.store_worker SETTING writer NAME N     # N transactions of BATCH rows each
    python -m tests.db.store_worker SETTING reader NAME N     # N reads; prints each count seen
    python -m tests.db.store_worker SETTING hold NAME ROWS    # inserts ROWS, says so, never commits
    python -m tests.db.store_worker SETTING flagger NAME N    # N rounds of FLAG_KEYS new flag keys, upserted

Each write transaction allocates ids and inserts BATCH records rows tagged with the worker's name
and the batch number, so a test can check that every batch is there whole or not at all.
"""

from __future__ import annotations

import sys
import time

from db.engine import Store, allocate_ids, store_config, upsert

BATCH = 50
FLAG_KEYS = 20

_INSERT = """
INSERT INTO records (record_id, record_key, source, source_row, material_raw, property,
                     value_raw, value, unit, method_tag, measurement_id)
SELECT ? + i, ? || '/' || ? || '/' || i, ?, ? :: TEXT, 'Li3PS4', 'sigma', '1e-4', 1e-4, 'S/cm',
       'eis', ? || '/' || ? || '/' || i
FROM range(?) t(i)
"""


def write_batch(con, name: str, batch: int, rows: int = BATCH) -> None:
    first = allocate_ids(con, "record_id_seq", rows)
    con.execute(_INSERT, [first, name, batch, name, batch, name, batch, rows])


def upsert_flags(con, name: str, round_: int) -> None:
    con.execute(
        "CREATE OR REPLACE TEMP TABLE incoming AS SELECT 'key-' || ? || '-' || i AS record_key, "
        "'modified-z' AS rule, ? AS reason, ? :: DOUBLE AS score FROM range(?) t(i)",
        [round_, name, round_, FLAG_KEYS],
    )
    upsert(
        con, "flags", "incoming", ("record_key", "rule"), ("record_key", "rule", "reason", "score")
    )


def main(argv: list[str]) -> int:
    setting, role, name, n = argv[0], argv[1], argv[2], int(argv[3])
    store = Store(store_config(setting))
    if role == "writer":
        for batch in range(n):
            store.write(lambda con, b=batch: write_batch(con, name, b))
            print(f"committed {batch}", flush=True)
    elif role == "flagger":
        # Both flaggers start together, so their inserts overlap: each opens the store, says
        # so, and waits for the test's "go" (sent once both are ready) on its stdin.
        store.read(lambda con: con.execute("SELECT count(*) FROM flags").fetchone())
        print("ready", flush=True)
        if sys.stdin.readline().strip() != "go":
            return 1
        for round_ in range(n):
            store.write(lambda con, r=round_: upsert_flags(con, name, r))
    elif role == "reader":
        for _ in range(n):
            count = store.read(
                lambda con: con.execute("SELECT count(*) FROM records").fetchone()[0]
            )
            print(f"seen {count}", flush=True)
            time.sleep(0.05)
    elif role == "hold":
        con = store.connect()
        con.execute("BEGIN TRANSACTION")
        write_batch(con, name, 0, rows=n)
        print("inserted, not committed", flush=True)
        time.sleep(600)  # the test kills this process here
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
