"""A view's state in the URL, so a pasted link reproduces it."""

from __future__ import annotations

import streamlit as st


def url_index(name: str, options: list, default=None) -> int:
    """The index of the option the URL names (`?name=value`), else of `default`, else 0."""
    value = st.query_params.get(name)
    if value in options:
        return options.index(value)
    return options.index(default) if default in options else 0


def sync_url(**values) -> None:
    """Write the view's state into the URL so a pasted link reproduces it."""
    for name, value in values.items():
        if isinstance(value, list | tuple):
            value = ",".join(str(v) for v in value)
        if value in (None, ""):
            if name in st.query_params:
                del st.query_params[name]
        elif st.query_params.get(name) != str(value):
            st.query_params[name] = str(value)


def list_param(value: str | None) -> list[str]:
    """A comma-separated query parameter as a list."""
    return [v for v in (value or "").split(",") if v]


def presenting() -> bool:
    """Whether the view is in presentation mode (`?present=1`)."""
    return st.query_params.get("present") == "1"
