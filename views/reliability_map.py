"""The method-reliability map (top of the Cohorts page) and the cohort a cell opens."""

from __future__ import annotations

import streamlit as st

from auditor import figures
from auditor.reliability import (
    QUANTITIES,
    QUANTITY_LABELS,
    parse_cell_id,
)
from views import reliability_data as data
from views.figures import figure_with_export
from views.store import store_version
from views.url_state import sync_url, url_index

_NONE = ""


def _slug(cell: str) -> str:
    return "".join(c if c.isalnum() or c in "-." else "_" for c in cell).strip("_")


def _clicked_cell() -> str | None:
    # A click on the map arrives as the chart's selection on the next run; apply it once.
    event = st.session_state.get("map_chart") or {}
    points = event.get("selection", {}).get("points", [])
    ids = [p["customdata"][0] for p in points if p.get("customdata")]
    if not ids or ids[0] == st.session_state.get("_map_applied"):
        return None
    st.session_state["_map_applied"] = ids[0]
    return ids[0]


def _cell_label(cells, cell: str) -> str:
    if cell == _NONE:
        return "(click a cell, or pick one here)"
    row = cells[cells["cell"] == cell].iloc[0]
    return f"{row['family']} · {row['column']} · {row['text'].replace('<br>', ' ')}"


def render_map() -> tuple[str, str]:
    """Draw the map, the all-family parity plot and the opened cell; returns (version, quantity)."""
    version = store_version()
    options = list(QUANTITIES)
    quantity = st.radio(
        "Quantity",
        options,
        index=url_index("quantity", options),
        format_func=QUANTITY_LABELS.__getitem__,
        horizontal=True,
        key="map_quantity",
    )
    cells = data.cells(version, quantity)
    cell_options = [_NONE, *cells["cell"]]
    clicked = _clicked_cell()
    if "map_cell" not in st.session_state:
        st.session_state["map_cell"] = st.query_params.get("cell", _NONE)
    if clicked in cell_options:
        st.session_state["map_cell"] = clicked
    if st.session_state["map_cell"] not in cell_options:
        st.session_state["map_cell"] = _NONE
    st.caption(
        "Each cell: median of computed - experimental over paired materials (same composition), "
        "seeded bootstrap 95% CI, n paired materials. Red: computed above experiment; blue: "
        "below. Cells with fewer than 3 pairs say 'too thin (n)' and get no colour. Em (one hop) "
        "against experimental Ea compares different quantities."
    )
    map_fig, parity_fig = data.map_figures(version, quantity)
    # The grid takes the page's width: with every family and method its cells need it to stay
    # legible; the all-families parity plot follows beside the opened cohort's selector.
    figure_with_export(
        map_fig,
        f"reliability_map_{quantity}",
        n=int(cells["n_pairs"].sum()),
        on_select="rerun",
        selection_mode="points",
        key="map_chart",
    )
    figure_with_export(parity_fig, f"parity_all_{quantity}")
    cell = st.selectbox(
        "Open a cohort", cell_options, format_func=lambda c: _cell_label(cells, c), key="map_cell"
    )
    sync_url(quantity=quantity, cell=cell or None)
    if cell:
        _render_cell(version, cells, cell)
    return version, quantity


def _render_cell(version: int, cells, cell: str) -> None:
    key = parse_cell_id(cell)
    row = cells[cells["cell"] == cell].iloc[0]
    rows = data.pairs_of_cell(version, cell)
    st.subheader(f"{key['family']} · {row['column']}")
    st.caption(
        f"{len(rows)} paired materials behind the number ({row['text'].replace('<br>', ' ')}); "
        f"{row['n_computed']} materials computed in all."
    )
    cols = st.columns(2)
    with cols[0]:
        figure_with_export(
            figures.parity_plot(rows, property=key["property"]),
            f"cell_parity_{_slug(cell)}",
            n=len(rows),
        )
    with cols[1]:
        figure_with_export(
            data.distribution_figure(version, key["family"], key["property"]),
            f"cell_distribution_{_slug(cell)}",
        )
    table = rows[["composition_key", "value", "n", "exp_value", "exp_n", "diff"]].copy()
    table["evidence"] = "/evidence?material=" + table["composition_key"]
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "value": st.column_config.NumberColumn(f"computed {key['property']}"),
            "exp_value": st.column_config.NumberColumn("experimental (median)"),
            "diff": st.column_config.NumberColumn("computed - experimental"),
            "evidence": st.column_config.LinkColumn("evidence card", display_text="open"),
        },
    )
    for material in rows["composition_key"].head(20):
        st.page_link(
            "views/evidence.py",
            label=f"Evidence for {material}",
            icon=":material/fact_check:",
            query_params={"material": material},
        )
