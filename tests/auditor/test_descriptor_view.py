"""Rank correlations of Ea with descriptors: rho equals scipy's, the seeded CI brackets it."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from auditor.descriptor_view import correlations, spearman_with_ci


def test_spearman_matches_scipy_with_ties_and_the_ci_is_seeded():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 6, 80).astype(float)  # ties
    y = x + rng.normal(0, 2, 80)
    got = spearman_with_ci(x, y)
    assert got["spearman"] == round(spearmanr(x, y).statistic, 3)
    assert got["ci_lo"] < got["spearman"] < got["ci_hi"]
    assert spearman_with_ci(x, y) == got
    assert spearman_with_ci(x, y, seed=1) != got


def test_correlations_skip_small_families_and_constant_descriptors():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({
        "composition_key": [f"m{i}" for i in range(30)], "family": ["a"] * 25 + ["b"] * 5,
        "ea_ev": rng.normal(0.4, 0.1, 30), "n_elements": rng.integers(2, 6, 30).astype(float),
        "carrier_charge": 1.0, "group": 0,
    })  # fmt: skip
    table = correlations(frame, min_materials=8)
    assert set(table["family"]) == {"pooled", "a"}
    assert set(table["descriptor"]) == {"n_elements"}
