"""`python -m sse_audit ...`, the same as the installed `sse-audit` command."""

import sys

from sse_audit.cli import main

sys.exit(main())
