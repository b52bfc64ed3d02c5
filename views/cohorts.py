"""Cohorts: how each computed method compares with experiment, per family, with uncertainty."""

import pandas as pd
import streamlit as st

from auditor import figures
from auditor.cohorts import (
    cohort_families,
    cohort_stats,
    method_agreement,
    paired_materials,
    same_hop_pairs,
)
from core.constants import COHORT_RT_WINDOW_K
from db.arrhenius_fits import arrhenius_fits, arrhenius_points
from views import reliability_data as data
from views.figures import figure_with_export
from views.reliability_gaps import render_gaps
from views.reliability_map import render_map
from views.sigma_t import render_sigma_t
from views.store import store_cursor, store_version
from views.url_state import sync_url, url_index


# Every cached read takes the store version first: a write shows at once, nothing stale stays.
@st.cache_data(show_spinner=False, max_entries=4)
def _families(version: int) -> list[str]:
    return cohort_families(store_cursor())


@st.cache_data(show_spinner=False, max_entries=32)
def _cohorts(version: int, family: str | None, prop: str | None) -> list[dict]:
    return cohort_stats(store_cursor(), family=family, property=prop)


# Frames that reach tens of thousands of rows at scale are shared resources (cached data is
# unpickled on every rerun); the page only reads them.
@st.cache_resource(show_spinner=False, max_entries=8)
def _pairs(version: int, family: str | None, prop: str) -> pd.DataFrame:
    return paired_materials(store_cursor(), family=family, property=prop)


@st.cache_resource(show_spinner=False, max_entries=8)
def _same_hop(
    version: int, family: str | None, reference: str = "NEB"
) -> tuple[list[dict], pd.DataFrame]:
    con = store_cursor()
    return (
        method_agreement(con, reference, family=family),
        same_hop_pairs(con, reference=reference, family=family),
    )


# Figures of thousands of points take most of a rerun to build: built once per store version
# and view (a resource: shared, never mutated, bounded by max_entries).
@st.cache_resource(show_spinner=False, max_entries=8)
def _same_hop_figure(version: int, family: str | None):
    return figures.same_hop_parity(_same_hop(version, family)[1])


@st.cache_resource(show_spinner=False, max_entries=2)
def _fits(version: int) -> tuple[pd.DataFrame, list[str]]:
    """The Arrhenius fits and their labels for the picker."""
    fits = arrhenius_fits(store_cursor())
    labels = [f"{r.composition_key} ({r.source}, {r.doi or 'no DOI'})" for r in fits.itertuples()]
    return fits, labels


@st.cache_data(show_spinner=False, max_entries=64)
def _points(version: int, record_id: int) -> pd.DataFrame:
    return arrhenius_points(store_cursor(), record_id)


def _evidence_link(event, material_at: int) -> None:
    # A clicked point carries its material in customdata; the evidence page reads ?material=.
    points = (event or {}).get("selection", {}).get("points", [])
    materials = sorted({str(p["customdata"][material_at]) for p in points if p.get("customdata")})
    for material in materials[:5]:
        st.page_link(
            "views/evidence.py",
            label=f"Evidence for {material}",
            icon=":material/fact_check:",
            query_params={"material": material},
        )


st.title("Cohorts: computed methods against experiment")
# The answer first: which method is biased for which family; the details follow below.
map_version, map_quantity = render_map()
render_gaps(map_version, map_quantity)
render_sigma_t(map_version)
st.header("Cohort details")
# Ten more figures: drawn on request (a link naming a family or property opens them), so the
# map's page stays quick.
linked = "family" in st.query_params or "property" in st.query_params
if not st.toggle("Show every cohort's statistics and figures", value=linked, key="details"):
    st.stop()
st.caption(
    "A cohort is (family, property, method, variant): MLIP-NEB (mace-relax) and (mace-no-relax) "
    "stay apart, since their errors differ several-fold. sigma counts at room temperature "
    f"({COHORT_RT_WINDOW_K[0]:.0f}-{COHORT_RT_WINDOW_K[1]:.0f} K) in log10 S/cm; Ea and Em in eV. "
    "Each measurement counts once (primary copies only); censored values (< or > bounds) are left out of every "
    "statistic. Computed values pair with experiment by material (same composition); bias is the "
    "median of computed - experimental over paired materials, with a seeded bootstrap 95% CI "
    "(given from 3 pairs up)."
)
st.warning(
    "A computed Em is the barrier of one hop; an experimental Ea is an apparent activation energy "
    "of long-range transport (several hops, defects, grain boundaries). Em is compared with "
    "experimental Ea below because that is the question asked, but they are not the same quantity."
)
version = store_version()
cols = st.columns(2)
families = _families(version)
family_options = ["(all)", *families]
family = cols[0].selectbox(
    "Family", family_options, index=url_index("family", family_options), key="cohort_family"
)
prop_options = ["Em", "Ea", "sigma"]
prop = cols[1].selectbox(
    "Property", prop_options, index=url_index("property", prop_options), key="cohort_property"
)
fam = None if family == "(all)" else family
sync_url(family=fam, property=prop)
table = pd.DataFrame(_cohorts(version, fam, prop))
st.subheader("Cohort statistics")
st.caption(f"{len(table)} cohorts")
st.dataframe(table, hide_index=True, width="stretch")

st.subheader("Bias per method")
figure_with_export(
    figures.bias_by_method(_cohorts(version, fam, prop), property=prop), f"bias_{prop}"
)

st.subheader("Parity: computed vs experimental")
pairs = _pairs(version, fam, prop)
event = figure_with_export(
    figures.parity_plot(pairs, property=prop), f"parity_{prop}", on_select="rerun", key="parity"
)
_evidence_link(event, 0)

st.subheader("Same hop, two methods")
st.caption(
    "Where one source computes the same hop (same path id) with several methods, each is set "
    "against NEB hop by hop: the same quantity on both sides, so no Em-vs-Ea caveat. Bias is "
    "the median of (method - NEB) with a bootstrap 95% CI over hops; hops of one material are "
    "not independent, so read n_materials beside it. frac_off: share of hops off by more "
    "than threshold_ev."
)
agreement = _same_hop(version, fam)[0]
if not agreement:
    st.info("No hop is reported by NEB and another method here.")
else:
    st.dataframe(pd.DataFrame(agreement), hide_index=True, width="stretch")
    event = figure_with_export(
        _same_hop_figure(version, fam), "same_hop", on_select="rerun", key="same_hop"
    )
    _evidence_link(event, 0)

st.subheader("Distribution by method")
dist_family = fam or st.selectbox("Family for the distribution", families, key="dist_family")
event = figure_with_export(
    data.distribution_figure(version, dist_family, prop),
    f"distribution_{dist_family}_{prop}",
    on_select="rerun",
    key="distribution",
)
_evidence_link(event, 1)

st.subheader("Arrhenius fits of conductivity series")
fits, labels = _fits(version)
st.caption(
    f"{len(fits)} fits of ln(sigma*T) vs 1/T (>= 3 temperatures over >= 40 K, one source "
    "and DOI each); each is stored as a derived EXP Ea record. Fits with R² < 0.9 are flagged "
    "(rule arrhenius-fit) on the Outliers page."
)
if len(fits):
    choice = st.selectbox("Fit", range(len(fits)), format_func=labels.__getitem__, key="fit")
    fit = fits.iloc[choice]
    event = figure_with_export(
        figures.arrhenius_plot(fit, _points(version, int(fit["record_id"]))),
        "arrhenius",
        on_select="rerun",
        key="arrhenius",
    )
    _evidence_link(event, 1)
