"""Explorer: search and filter every record; the view lives in the URL so a link reproduces it."""

import streamlit as st

from auditor.exports import to_csv_bytes, to_parquet_bytes
from auditor.search_terms import search_keys, suggest_terms
from db.evidence import record_quote
from db.search import filter_options, search_records, search_vocabulary
from views.quotes import show_quote
from views.store import store_connection, store_cursor, store_version
from views.url_state import list_param, sync_url

PAGE_SIZE = 50
params = st.query_params


# Every cached read takes the store version first: a write shows at once, nothing stale stays.
@st.cache_data(show_spinner=False, max_entries=4)
def _options(version: int) -> dict:
    return filter_options(store_cursor())


@st.cache_data(show_spinner=False, max_entries=4)
def _vocabulary(version: int) -> list[str]:
    return search_vocabulary(store_cursor())


@st.cache_data(show_spinner=False, max_entries=256)
def _page(version: int, filters: dict, offset: int, limit: int):
    return search_records(store_cursor(), limit=limit, offset=offset, **filters)


version = store_version()
options = _options(version)
st.title("Explorer")
text = st.text_input(
    "Search formula, name, acronym or DOI",
    value=params.get("q", ""),
    key="q",
    placeholder="LLZO, Li6PS5Cl, 10.1039/...",
)
cols = st.columns(5)
families = cols[0].multiselect(
    "Family",
    options["family"],
    default=[f for f in list_param(params.get("family")) if f in options["family"]],
)
carriers = cols[1].multiselect(
    "Carrier ion",
    options["carrier_ion"],
    default=[c for c in list_param(params.get("carrier")) if c in options["carrier_ion"]],
)
properties = cols[2].multiselect(
    "Property",
    options["property"],
    default=[p for p in list_param(params.get("property")) if p in options["property"]],
)
methods = cols[3].multiselect(
    "Method",
    options["method_tag"],
    default=[m for m in list_param(params.get("method")) if m in options["method_tag"]],
)
sources = cols[4].multiselect(
    "Source",
    options["source"],
    default=[s for s in list_param(params.get("source")) if s in options["source"]],
)
t_lo, t_hi = (float(x) for x in options["temperature"])
t_range = st.slider(
    "Temperature (K); records without a temperature are kept", t_lo, t_hi, (t_lo, t_hi)
)

sync_url(
    q=text.strip(),
    family=families,
    carrier=carriers,
    property=properties,
    method=methods,
    source=sources,
)

filters = {
    "text": text.strip() or None,
    "keys": search_keys(text),
    "families": families,
    "carriers": carriers,
    "properties": properties,
    "methods": methods,
    "sources": sources,
    "t_range": None if (t_lo, t_hi) == t_range else t_range,
}
_, total = _page(version, filters, 0, 1)
n_pages = max(1, -(-total // PAGE_SIZE))
page = st.number_input(f"Page (of {n_pages})", 1, n_pages, min(int(params.get("page", 1)), n_pages))
frame, total = _page(version, filters, (page - 1) * PAGE_SIZE, PAGE_SIZE)
st.caption(
    f"{total} records match; showing {len(frame)}. `is_primary` = false marks a copy of a measurement another source also reports."
)
if not total and text.strip():
    suggestions = suggest_terms(text, _vocabulary(version))
    st.info(
        f"Nothing matches “{text.strip()}”."
        + (" Did you mean one of these?" if suggestions else " Try a formula, an acronym or a DOI.")
    )
    # Buttons, not links: a link to the page already open does not rerun it with new params.
    if suggestions:
        for column, term in zip(st.columns(len(suggestions)), suggestions, strict=True):
            column.button(term, on_click=st.session_state.__setitem__, args=("q", term))
st.dataframe(
    frame,
    hide_index=True,
    width="stretch",
    column_config={"doi": st.column_config.TextColumn("DOI")},
)
if not frame.empty:
    # One record's own words: the quote it was taken from (extracted records always have one).
    ids = [int(r) for r in frame["record_id"]]
    names = {
        int(r["record_id"]): f"{r['record_id']} · {r['material_raw']} · {r['property']} "
        f"{r['value']:.4g} {r['unit']} · {r['method_tag']} · {r['source']}"
        if isinstance(r["value"], float)
        else str(r["record_id"])
        for r in frame.to_dict("records")
    }
    wanted = params.get("record")
    with st.expander("One record's quote", expanded=wanted is not None):
        record_id = st.selectbox(
            "Record",
            ids,
            index=ids.index(int(wanted))
            if wanted and wanted.isdigit() and int(wanted) in ids
            else 0,
            format_func=names.get,
            key="record_quote",
        )
        quoted = record_quote(store_cursor(), record_id)
        if quoted is not None:
            show_quote(quoted)
keys = sorted(frame["composition_key"].dropna().unique())
if keys:
    chosen = st.selectbox(
        "Open the evidence card of",
        keys,
        index=keys.index(params["material"]) if params.get("material") in keys else 0,
    )
    st.page_link(
        "views/evidence.py",
        label=f"Evidence for {chosen}",
        icon=":material/fact_check:",
        query_params={"material": chosen},
    )

if total:
    # Built only when clicked, on its own cursor: the selection is not serialized on every rerun.
    # on_click="ignore": a click must not rerun the script, or the rerun can retire the deferred
    # file before the browser fetches it and the download silently fails.
    base = store_connection()

    def _export(fmt: str) -> bytes:
        frame, _ = search_records(base.cursor(), limit=total, offset=0, **filters)
        return to_csv_bytes(frame) if fmt == "csv" else to_parquet_bytes(frame)

    c1, c2 = st.columns(2)
    c1.download_button(
        "Download selection (CSV)",
        lambda: _export("csv"),
        "sse_audit_selection.csv",
        "text/csv",
        on_click="ignore",
    )
    c2.download_button(
        "Download selection (Parquet)",
        lambda: _export("parquet"),
        "sse_audit_selection.parquet",
        on_click="ignore",
    )
