"""Domain logic of sse-audit: normalization, cohorts, outliers and models (no Streamlit here)."""
