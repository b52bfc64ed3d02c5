"""Figures for slides: titles that carry n and the build date, presentation sizing, PNG/SVG.

PNG and SVG are drawn on the server by kaleido, which drives a headless Chromium. Kaleido (through
choreographer) takes the browser from `BROWSER_PATH`, else searches PATH; we point it at Debian's
Chromium here, in code, so no one has to set anything in their shell.
"""

from __future__ import annotations

import os
import shutil

import plotly.graph_objects as go

DEBIAN_CHROMIUM = "/usr/bin/chromium"
SLIDE_WIDTH, SLIDE_HEIGHT = 1920, 1080
PRESENTATION_FONT = 22


def chromium_path() -> str | None:
    """The Chromium kaleido will drive: `BROWSER_PATH` if set, else Debian's, else PATH's."""
    if os.environ.get("BROWSER_PATH"):
        return os.environ["BROWSER_PATH"]
    if os.path.exists(DEBIAN_CHROMIUM):
        return DEBIAN_CHROMIUM
    return shutil.which("chromium") or shutil.which("chromium-browser")


def count_points(fig: go.Figure) -> int:
    """How many data points a figure draws (reference lines without hover are not data)."""
    n = 0
    for trace in fig.data:
        if getattr(trace, "hoverinfo", None) == "skip":
            continue
        values = trace.y if getattr(trace, "y", None) is not None else getattr(trace, "x", None)
        n += 0 if values is None else len(values)
    return n


def with_provenance(fig: go.Figure, *, n: int | None = None, built: str | None = None) -> go.Figure:
    """The figure, its title ending with `n=..., store built YYYY-MM-DD` (n counted if not given).

    Changes `fig` in place (copying a figure re-validates every trace, which costs more than the
    page's statistics); pages build a fresh figure per run.
    """
    out = fig
    n = count_points(fig) if n is None else n
    title = out.layout.title.text or ""
    stamp = f"n={n} · store built {built or 'unknown'}"
    if stamp not in title:
        out.update_layout(title={"text": f"{title}<br><sup>{stamp}</sup>" if title else stamp})
    return out


def for_presentation(fig: go.Figure) -> go.Figure:
    """The figure made legible from the back of a meeting room at 1920x1080 (in place)."""
    out = fig
    out.update_layout(
        font={"size": PRESENTATION_FONT},
        title={"font": {"size": PRESENTATION_FONT + 8}},
        legend={"font": {"size": PRESENTATION_FONT - 2}},
        margin={"t": 110},
    )
    out.update_xaxes(automargin=True)
    out.update_yaxes(automargin=True)
    return out


def to_image(fig: go.Figure, fmt: str) -> bytes:
    """PNG or SVG bytes of the figure at slide size (1920x1080), drawn in Chromium by kaleido.

    Raises:
        RuntimeError: no Chromium to draw with (the reason is readable on the page).
    """
    if fmt not in ("png", "svg"):
        raise ValueError(f"format must be png or svg, not {fmt!r}")
    browser = chromium_path()
    if browser is None:
        raise RuntimeError("no Chromium found for the PNG/SVG export (apt-get install chromium)")
    os.environ.setdefault("BROWSER_PATH", browser)
    slide = for_presentation(fig)
    return slide.to_image(format=fmt, width=SLIDE_WIDTH, height=SLIDE_HEIGHT, scale=1)
