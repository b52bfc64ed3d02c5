"""The registry of built-in sources: citation, license, where the file is, and its loader."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from db.config import BUNDLED_DATA, external_data_dir
from db.loaders.bvse import load_bvse
from db.loaders.common import LoadResult, NameResolver, SourceSpec
from db.loaders.devi import load_devi
from db.loaders.laskowski import load_laskowski
from db.loaders.literature import load_literature
from db.loaders.liverpool import load_ionnet, load_liverpool
from db.loaders.obelix import load_obelix

DEVI_RELATIVE = "migration_barrier_devi2025/derived_csv/COMPLETE-TABUATION.csv"


@dataclass(frozen=True)
class BuiltinSource:
    """A source the build loads: how to find it and which loader reads it."""

    spec: SourceSpec
    loader: Callable[[SourceSpec, NameResolver | None], LoadResult]


def builtin_sources() -> list[BuiltinSource]:
    """Every built-in source, in load order (earlier sources win as a measurement's primary copy)."""
    external = external_data_dir()
    devi_path = external / DEVI_RELATIVE if external else None
    obelix = BUNDLED_DATA / "obelix"
    return [
        BuiltinSource(
            SourceSpec(
                name="obelix",
                title="OBELiX: experimental RT Li-ion conductivities with structures",
                citation="Therrien et al., OBELiX, arXiv:2502.14234 (2025)",
                doi_or_url="https://github.com/NRC-Mila/OBELiX",
                license="CC BY 4.0",
                version="4eaac889809dd489e3bae468c45d5c0e02b9147a",
                kind="bundled",
                path=obelix,
            ),
            load_obelix,
        ),
        BuiltinSource(
            SourceSpec(
                name="liverpool",
                title="Liverpool Ionics dataset (copy inside OBELiX)",
                citation="Hargreaves et al., npj Comput. Mater. 9, 9 (2023)",
                doi_or_url="https://github.com/NRC-Mila/OBELiX (misc/LiIonDatabase.csv)",
                license="CC BY 4.0 (as redistributed by OBELiX)",
                version="OBELiX 4eaac88, misc/LiIonDatabase.csv",
                kind="bundled",
                path=obelix / "misc" / "LiIonDatabase.csv",
            ),
            load_liverpool,
        ),
        BuiltinSource(
            SourceSpec(
                name="laskowski",
                title="Laskowski et al. 2023 SI table (PDF scrape inside OBELiX)",
                citation="Laskowski et al., Energy Environ. Sci. 16, 1264 (2023)",
                doi_or_url="https://github.com/NRC-Mila/OBELiX (misc/laskowski_semi-fromatted.csv)",
                license="CC BY 4.0 (as redistributed by OBELiX)",
                version="OBELiX 4eaac88, misc/laskowski_semi-fromatted.csv",
                kind="bundled",
                path=obelix / "misc" / "laskowski_semi-fromatted.csv",
            ),
            load_laskowski,
        ),
        BuiltinSource(
            SourceSpec(
                name="ionnet",
                title="IonNet experimental subset of the Liverpool data near 300 K",
                citation="Wang & You, IonNet (2025), github.com/CodingWZL/IonNet",
                doi_or_url="https://github.com/CodingWZL/IonNet",
                license="MIT",
                version="a03b7c0226f31eef7020ffbe296104b7cb083ecd",
                kind="bundled",
                path=BUNDLED_DATA / "ionnet" / "LiIonDatabase-Experiments-300K.csv",
            ),
            load_ionnet,
        ),
        BuiltinSource(
            SourceSpec(
                name="devi2025",
                title="Literature-derived DFT-NEB migration barriers, with MACE MLIP-NEB",
                citation="Devi, Balasubramanian, Butler, Sai Gautam, arXiv:2508.06459 (2025)",
                doi_or_url="https://github.com/sai-mat-group/migration-barrier-dataset",
                license="none stated (read from the external-data folder, not redistributed)",
                version="4c3b6e4653b7829a31f8297a25df3dc84d0047bf",
                kind="external",
                path=devi_path,
                note=(
                    "absent: set SSE_AUDIT_EXTERNAL_DATA to a folder holding " + DEVI_RELATIVE
                    if devi_path is None or not devi_path.exists()
                    else ""
                ),
            ),
            load_devi,
        ),
        BuiltinSource(
            SourceSpec(
                name="literature",
                title="Curated literature table: Ea and sigma by method, with quoted evidence",
                citation="sse-audit curated literature table (2025), data/literature/README.md",
                doi_or_url="data/literature/literature_barriers.csv",
                license="CC BY 4.0",
                version="2025-11",
                kind="bundled",
                path=BUNDLED_DATA / "literature" / "literature_barriers.csv",
            ),
            load_literature,
        ),
        BuiltinSource(
            SourceSpec(
                name="sse-audit-bvse",
                title="BVSE percolation barriers computed by sse-audit for every bundled OBELiX CIF",
                citation="sse-audit BVSE computation with bvlain (Dembitskiy), data/bvse/README.md",
                doi_or_url="data/bvse/bvse_barriers.csv",
                license="CC BY 4.0",
                version="bvlain 0.25.1",
                kind="bundled",
                path=BUNDLED_DATA / "bvse" / "bvse_barriers.csv",
            ),
            load_bvse,
        ),
    ]


SOURCE_PRIORITY = [s.spec.name for s in builtin_sources()]


def source_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether the store already holds a source of this name."""
    return con.execute("SELECT count(*) FROM sources WHERE name = ?", [name]).fetchone()[0] > 0
