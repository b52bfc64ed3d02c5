"""Figures for slides: titles carry n and the build date, presentation type, PNG/SVG by kaleido."""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import plotly.graph_objects as go
import pytest

from auditor.figure_export import (
    PRESENTATION_FONT,
    chromium_path,
    count_points,
    to_image,
    with_provenance,
)
from tests.views.conftest import open_page

# The Cohorts page's figures carry the store's build date, read from a file or a team store.
STORE_MODES = ("embedded", "team")


def _figure() -> go.Figure:
    fig = go.Figure(go.Scatter(x=[1, 2, 3], y=[3, 1, 2], name="data"), layout={"title": "parity"})
    fig.add_trace(go.Scatter(x=[0, 4], y=[0, 4], mode="lines", hoverinfo="skip", name="identity"))
    return fig


def test_titles_carry_n_and_the_build_date():
    fig = with_provenance(_figure(), built="2026-11-30")
    assert count_points(_figure()) == 3  # the identity line is not data
    assert fig.layout.title.text == "parity<br><sup>n=3 · store built 2026-11-30</sup>"
    assert with_provenance(fig, built="2026-11-30").layout.title.text == fig.layout.title.text


def test_kaleido_is_pointed_at_debians_chromium_in_code(monkeypatch):
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian's Chromium is not installed")
    assert chromium_path() == "/usr/bin/chromium"


@pytest.mark.browser
def test_png_and_svg_are_drawn_at_slide_size(monkeypatch):
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    if chromium_path() is None:
        pytest.skip("no Chromium")
    fig = with_provenance(_figure(), built="2026-11-30")
    png = to_image(fig, "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (1920, 1080)
    assert os.environ["BROWSER_PATH"] == chromium_path()
    svg = to_image(fig, "svg").decode()
    assert svg.startswith("<svg") and 'width="1920"' in svg
    assert "store built 2026-11-30" in svg
    with pytest.raises(ValueError, match="png or svg"):
        to_image(fig, "pdf")


def _figures(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def test_every_cohorts_figure_has_n_and_date_and_exports(app_at):
    # A link naming a family and property opens the cohort details' figures too.
    at = open_page(app_at, "views/cohorts.py", family="NASICON", property="Em")
    specs = _figures(at)
    assert len(specs) >= 5
    for spec in specs:
        title = spec["layout"]["title"]["text"]
        assert "n=" in title and "store built 20" in title, title
    labels = [b.proto.label for b in at.get("download_button")]
    for fmt in ("interactive HTML", "PNG", "SVG"):
        assert any(label.endswith(f"({fmt})") for label in labels), fmt
    assert "Export reliability_map_energy (PNG)" in labels


def test_presentation_mode_enlarges_the_figures_type(app_at):
    at = open_page(app_at, "views/cohorts.py")
    assert "font" not in _figures(at)[0]["layout"] or (
        _figures(at)[0]["layout"]["font"].get("size") != PRESENTATION_FONT
    )
    at = open_page(app_at, "views/cohorts.py", present="1")
    assert all(s["layout"]["font"]["size"] == PRESENTATION_FONT for s in _figures(at))
