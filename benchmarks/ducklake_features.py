"""Which parts of db/schema.sql's SQL DuckLake accepts, per catalog (SQLite, PostgreSQL).

    python benchmarks/ducklake_features.py [--postgres]

Prints one line per probe (OK or the engine's own error). `--postgres` also starts a throwaway
PostgreSQL (tests/pg_server.py) and probes the lake with its catalog there. Needs duckdb 1.5.5
and the duckdb-extension-* packages (requirements.txt).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import duckdb  # noqa: E402

from db.engine import ensure_extensions  # noqa: E402

PROBES = {
    "CREATE SEQUENCE": "CREATE SEQUENCE s1 START 1",
    "PRIMARY KEY": "CREATE TABLE t_pk (id BIGINT PRIMARY KEY, v TEXT)",
    "UNIQUE": "CREATE TABLE t_u (id BIGINT, k TEXT UNIQUE)",
    "NOT NULL": "CREATE TABLE t_nn (id BIGINT NOT NULL, v TEXT)",
    "DEFAULT literal": "CREATE TABLE t_dl (id BIGINT, q TEXT NOT NULL DEFAULT '=', b BOOLEAN DEFAULT TRUE)",
    "DEFAULT current_timestamp": "CREATE TABLE t_dts (id BIGINT, ts TIMESTAMP DEFAULT current_timestamp)",
    "INSERT using defaults": "INSERT INTO t_dts (id) VALUES (1)",
    "DEFAULT nextval(...)": "CREATE TABLE t_dn (id BIGINT DEFAULT nextval('s1'))",
    "INSERT ... RETURNING": "INSERT INTO t_nn VALUES (1, 'a') RETURNING id",
    "UPDATE ... RETURNING": "UPDATE t_nn SET v = 'b' RETURNING id",
    "UPDATE ... FROM": "UPDATE t_nn SET v = x.v FROM (SELECT 1 AS id, 'b' AS v) x WHERE t_nn.id = x.id",
    "DELETE": "DELETE FROM t_nn WHERE id = 99",
    "INSERT ... ON CONFLICT": "INSERT INTO t_nn VALUES (1, 'c') ON CONFLICT DO NOTHING",
    "INSERT OR REPLACE": "INSERT OR REPLACE INTO t_nn VALUES (1, 'c')",
    "MERGE INTO": "MERGE INTO t_nn USING (SELECT 1 AS id, 'm' AS v) s ON t_nn.id = s.id "
    "WHEN MATCHED THEN UPDATE SET v = s.v WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.v)",
    "list_contains in UPDATE": "UPDATE t_nn SET v = 'z' WHERE list_contains(['a', 'm'], v)",
    "ALTER TABLE ADD COLUMN": "ALTER TABLE t_nn ADD COLUMN w DOUBLE",
    "CREATE VIEW": "CREATE VIEW v1 AS SELECT * FROM t_nn",
    "CREATE TEMP TABLE (session)": "CREATE TEMP TABLE tmp1 AS SELECT 1 AS x",
    "snapshot id (store version)": "SELECT id FROM lake.current_snapshot()",
}


def probe(catalog: str, data_path: str, ext_dir: Path) -> None:
    con = duckdb.connect(
        config={"extension_directory": str(ext_dir), "autoinstall_known_extensions": False}
    )
    con.execute(f"ATTACH 'ducklake:{catalog}' AS lake (DATA_PATH '{data_path}')")
    con.execute("USE lake")
    for name, sql in PROBES.items():
        try:
            con.execute(sql)
            con.fetchall() if con.description else None
            print(f"  OK    {name}")
        except duckdb.Error as exc:
            print(f"  FAIL  {name}: {str(exc).splitlines()[0][:120]}")
    con.close()


def main() -> int:
    ext_dir = ensure_extensions()
    print(f"duckdb {duckdb.__version__}; extensions from {ext_dir}")
    tmp = Path(tempfile.mkdtemp(prefix="lake-probe-"))
    print("SQLite catalog:")
    probe(f"sqlite:{tmp / 'c.sqlite'}", f"{tmp / 'data1'}/", ext_dir)
    if "--postgres" in sys.argv:
        from tests.pg_server import PgServer  # test helper; only with --postgres

        server = PgServer().start()
        try:
            print("PostgreSQL catalog:")
            probe(f"postgres:{server.create_database('probe')}", f"{tmp / 'data2'}/", ext_dir)
        finally:
            server.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
