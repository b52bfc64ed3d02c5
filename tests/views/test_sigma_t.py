"""The sigma(T) view on the Cohorts page: one line per material and source, filters that bite."""

from __future__ import annotations

from auditor.cohorts import load_records
from auditor.temperature import filter_series, sigma_t_series
from db.connection import connect
from db.temperature import sigma_series_points
from tests.views.conftest import open_page, param

# The series' SQL and the page, on a DuckDB file and a team store alike.
STORE_MODES = ("embedded", "team")


def _series(location):
    con = connect(location, read_only=True, on_wait=None)
    try:
        return sigma_t_series(sigma_series_points(con), load_records(con))
    finally:
        con.close()


def test_series_have_two_temperatures_and_carry_the_materials_ea(built_store):
    series = _series(built_store)
    per_line = series.groupby(["composition_key", "source"])["temperature_k"].nunique()
    assert len(per_line) > 20 and (per_line >= 2).all()
    assert series["ea_ev"].notna().any() and series["ea_ev"].isna().any()
    assert series["family"].notna().all() and series["carrier_ion"].notna().all()


def _caption(at):
    return next(c.value for c in at.caption if "series (" in c.value)


def test_family_filter_changes_the_plot_and_the_url(app_at, built_store):
    at = open_page(app_at, "views/cohorts.py")
    total = int(_caption(at).split()[0])
    series = _series(built_store)
    family = series["family"].value_counts().index[0]
    at.multiselect(key="t_families").select(family).run()
    assert not at.exception
    expected = (
        filter_series(series, families=[family]).groupby(["composition_key", "source"]).ngroups
    )
    assert int(_caption(at).split()[0]) == expected < total
    assert param(at, "tfam") == family


def test_ion_filter_comes_from_the_url(app_at, built_store):
    series = _series(built_store)
    ion = sorted(series["carrier_ion"].unique())[-1]
    at = open_page(app_at, "views/cohorts.py", ion=ion)
    expected = filter_series(series, ions=[ion]).groupby(["composition_key", "source"]).ngroups
    assert int(_caption(at).split()[0]) == expected
