"""`python -m auditor.extract FILE... [--doi DOI] [--llm] --json [--out rows.csv]`."""

import sys

from auditor.extract.cli import main

sys.exit(main())
