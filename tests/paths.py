"""Where the tests find the repository and their own data, wherever a test module lives."""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TEST_DATA = REPO / "tests" / "data"
