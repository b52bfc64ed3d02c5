"""sse-audit: the Streamlit entry point. Navigation is built from the page registry below."""

import streamlit as st

from views.store import run_scope, watch_store

PAGES = [
    ("views/overview.py", "Overview", ":material/dashboard:"),
    ("views/explorer.py", "Explorer", ":material/search:"),
    ("views/evidence.py", "Evidence", ":material/fact_check:"),
    ("views/upload.py", "Upload", ":material/upload:"),
    ("views/extract.py", "Extract", ":material/article:"),
    ("views/cohorts.py", "Cohorts", ":material/compare_arrows:"),
    ("views/placement.py", "Where does this value sit?", ":material/my_location:"),
    ("views/screen.py", "Screen a candidate", ":material/science:"),
    ("views/descriptors.py", "Descriptors of Ea", ":material/scatter_plot:"),
    ("views/outliers.py", "Outliers", ":material/flag:"),
    ("views/normalizer_review.py", "Normalizer review", ":material/rule:"),
    ("views/model.py", "Model", ":material/model_training:"),
]

# Larger type and no sidebar for a meeting room; remove `present=1` from the URL to leave it.
PRESENTATION_CSS = """
<style>
html, body, [data-testid="stAppViewContainer"] { font-size: 1.3rem; }
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"] { display: none; }
h1 { font-size: 3rem !important; }
</style>
"""

if __name__ == "__main__":  # streamlit runs this file as __main__; tests import PAGES only
    st.set_page_config(page_title="sse-audit", layout="wide")
    navigation = st.navigation([st.Page(p, title=t, icon=i) for p, t, i in PAGES])
    # Presentation mode lives in the URL like the rest of the view, so a pasted link keeps it.
    presenting = st.query_params.get("present") == "1"
    if st.sidebar.toggle("Presentation mode", value=presenting, help="Larger fonts, no sidebar"):
        st.query_params["present"] = "1"
        st.markdown(PRESENTATION_CSS, unsafe_allow_html=True)
    elif "present" in st.query_params:
        del st.query_params["present"]
    # The run opens the store only while it reads or writes; other processes share the file.
    with run_scope():
        navigation.run()
    watch_store()
