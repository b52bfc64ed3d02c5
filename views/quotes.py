"""Showing a record's quote: the verbatim sentence a number was taken from, as a block quote."""

from __future__ import annotations

import re

import streamlit as st

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def escape_markdown(text: str) -> str:
    """Text shown literally by st.markdown (no emphasis, links or LaTeX from a paper's symbols)."""
    return _MARKDOWN.sub(r"\\\1", " ".join(str(text).split()))


def show_quote(record: dict) -> None:
    """A record's printed value, method and source above its quote (or a note that it has none)."""
    head = (
        f"**{record['property']} = {escape_markdown(record['value_raw'])} "
        f"{escape_markdown(record['unit_raw'] or '')}** · {record['method_tag']} · "
        f"{escape_markdown(record['source'])}"
        + (f" · DOI {escape_markdown(record['doi'])}" if record.get("doi") else "")
    )
    quote = record.get("evidence")
    if quote is None or quote != quote or not str(quote).strip():  # None or NaN
        st.markdown(head + "  \nNo quote stored for this record.")
    else:
        st.markdown(head + "\n\n> " + escape_markdown(quote))
