"""Commit a screened CIF's BVSE barrier as a new user source (the only screen output that is data).

The models' predictions are not committed: they are not evidence, and once in the store they
would enter the cohorts as if reported and feed the models that produced them. A BVSE barrier is
a computation on the user's own structure, with its provenance (tool, version, parameters,
oxidation states, the CIF's name and SHA-256), as the bundled `sse-audit-bvse` records are.
"""

from __future__ import annotations

import os

from auditor.bvse import BvseResult
from auditor.screen import Candidate, bvse_row
from db.connection import Waiting, report_to_stderr
from pipeline.ingest import ingest_rows


def commit_bvse(
    candidate: Candidate,
    result: BvseResult,
    source: str,
    *,
    path: str | os.PathLike | None = None,
    on_wait: Waiting | None = report_to_stderr,
) -> dict:
    """Write the barrier as one `Em`/`BVSE` record in the new source `source` (one transaction).

    Raises:
        ScreenError: the result holds no finite barrier. IngestError: the name is taken or empty.
    """
    return ingest_rows([bvse_row(candidate, result)], source, path=path, on_wait=on_wait)
