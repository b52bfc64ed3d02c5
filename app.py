"""sse-audit: the Streamlit entry point. Navigation is built from the page registry below."""

import streamlit as st

PAGES = [
    ("pages/overview.py", "Overview", ":material/dashboard:"),
    ("pages/explorer.py", "Explorer", ":material/search:"),
    ("pages/evidence.py", "Evidence", ":material/fact_check:"),
    ("pages/upload.py", "Upload", ":material/upload:"),
    ("pages/cohorts.py", "Cohorts", ":material/compare_arrows:"),
    ("pages/outliers.py", "Outliers", ":material/flag:"),
]

if __name__ == "__main__":  # streamlit runs this file as __main__; tests import PAGES only
    st.set_page_config(page_title="sse-audit", layout="wide")
    navigation = st.navigation([st.Page(p, title=t, icon=i) for p, t, i in PAGES])
    navigation.run()
