"""`python -m auditor <command> ...`: each command lives in its own module with `main(argv)`."""

from __future__ import annotations

import importlib
import sys

# command -> module holding its `main(argv) -> int`; imported only when the command runs.
COMMANDS: dict[str, str] = {
    "normalize": "auditor.normalize.cli",
    "model": "auditor.model_cli",
    "cohorts": "auditor.cohorts_cli",
    "flags": "auditor.cohorts_cli",
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        print("usage: python -m auditor {" + ",".join(COMMANDS) + "} ...", file=sys.stderr)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    module = importlib.import_module(COMMANDS[argv[0]])
    return module.main(argv)


if __name__ == "__main__":
    sys.exit(main())
