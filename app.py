"""sse-audit: the Streamlit entry point. Navigation is built from the page registry below."""

import streamlit as st

PAGES = [
    ("pages/overview.py", "Overview", ":material/dashboard:"),
    ("pages/explorer.py", "Explorer", ":material/search:"),
    ("pages/evidence.py", "Evidence", ":material/fact_check:"),
    ("pages/upload.py", "Upload", ":material/upload:"),
]

st.set_page_config(page_title="sse-audit", layout="wide")
navigation = st.navigation([st.Page(path, title=title, icon=icon) for path, title, icon in PAGES])
navigation.run()
