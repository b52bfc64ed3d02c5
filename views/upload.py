"""Upload: a literature table in the template (or mapped onto it), previewed, then written in one transaction."""

import streamlit as st

from auditor.exports import to_csv_bytes
from db.loaders.template import TEMPLATE_COLUMNS, IngestError, read_upload, template_rows
from pipeline.ingest import ingest_rows, preview_rows
from views.store import busy_notice, note_own_write, store_path

st.title("Upload a literature table")
st.download_button(
    "Download the template (CSV)",
    (",".join(TEMPLATE_COLUMNS) + "\n").encode(),
    "sse_audit_template.csv",
    "text/csv",
    on_click="ignore",
)
st.caption(
    "property: sigma | Ea | Em; unit: S/cm, mS/cm, S/m, eV, meV, kJ/mol; temperature_unit: K or C "
    "(empty temperature = room temperature for sigma); each row needs a DOI or a reference."
)
upload = st.file_uploader("CSV or XLSX", type=["csv", "xlsx"])
if upload is None:
    st.stop()
try:
    table = read_upload(upload, upload.name)
except IngestError as exc:
    st.error(str(exc))
    st.stop()

st.subheader("Map your columns onto the template")
columns = ["(none)", *table.columns]
lowered = {c.strip().lower(): c for c in table.columns}
mapping = {}
map_cols = st.columns(5)
for i, target in enumerate(TEMPLATE_COLUMNS):
    default = lowered.get(target, "(none)")
    mapping[target] = map_cols[i % 5].selectbox(
        target, columns, index=columns.index(default), key=f"map_{target}"
    )
try:
    rows = template_rows(table, {t: s for t, s in mapping.items() if s != "(none)"})
except IngestError as exc:
    st.warning(f"Map the required columns: {exc}")
    st.stop()

st.subheader("Preview: nothing is written yet")
preview = preview_rows(rows)
ok = int((preview["status"] == "ok").sum())
st.write(
    f"{ok} of {len(preview)} rows will be committed; {len(preview) - ok} go to quarantine with the reason shown."
)
st.dataframe(preview, hide_index=True, width="stretch")
rejected = preview[preview["status"] != "ok"]
if not rejected.empty:
    st.download_button(
        "Download the rejected rows with reasons",
        to_csv_bytes(rejected),
        "rejected_rows.csv",
        "text/csv",
        on_click="ignore",
    )

name = st.text_input("Name of the new source", value=upload.name.rsplit(".", 1)[0][:64])
if st.button("Commit", type="primary"):
    try:
        result = ingest_rows(rows, name, path=store_path(), on_wait=busy_notice())
    except IngestError as exc:
        st.error(str(exc))
    else:
        note_own_write()
        st.success(
            f"Source {result['source']!r}: {result['committed']} committed, {result['quarantined']} quarantined."
        )
