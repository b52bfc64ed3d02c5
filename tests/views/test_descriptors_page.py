"""The Descriptors page over a copy of the real store: a family filter narrows the correlations."""

from __future__ import annotations

from tests.views.conftest import open_page, param

# The page reads the store's Ea records (SQL) on a DuckDB file and a team store alike.
STORE_MODES = ("embedded", "team")


def test_descriptor_correlations_pooled_and_per_family(app_at):
    at = open_page(app_at, "views/descriptors.py")
    everything = at.dataframe[0].value
    assert "pooled" in set(everything["family"]) and everything["family"].nunique() >= 8
    pooled = everything[everything["family"] == "pooled"].set_index("descriptor")
    assert pooled.loc["electronegativity_mean", "n"] > 600
    assert (pooled["ci_lo"] <= pooled["spearman"]).all() and (pooled["spearman"] <= pooled["ci_hi"]).all()
    at.selectbox[0].select("garnet").run()
    assert not at.exception
    garnet = at.dataframe[0].value
    assert set(garnet["family"]) == {"garnet"} and 0 < len(garnet) < len(everything)
    assert param(at, "family") == "garnet"
