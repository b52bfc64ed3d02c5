"""Streamlit pages: thin views that read through auditor/ and db/ and render."""
