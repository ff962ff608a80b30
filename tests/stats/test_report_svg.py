"""The bar charts: bars from shown numbers only; a hidden cell is a fixed striped outline."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from bot.stats.report_svg import BAR_SPACE, HIDDEN_WIDTH, Bar, bar_chart

SVG = "{http://www.w3.org/2000/svg}"


def _chart(bars: list[Bar]) -> ET.Element:
    return ET.fromstring(bar_chart("chart-kinds", "Soorten gedrag", "Staafdiagram.", bars))


def _rects(svg: ET.Element) -> list[ET.Element]:
    return svg.findall(f".//{SVG}rect")


def test_the_chart_is_an_image_named_by_its_title_and_description() -> None:
    svg = _chart([Bar("Racisme", 40, "40")])
    assert svg.get("role") == "img"
    title = svg.find(f"{SVG}title")
    assert title is not None and title.text == "Soorten gedrag"
    assert svg.get("aria-labelledby") == title.get("id")
    desc = svg.find(f"{SVG}desc")
    assert desc is not None and desc.text == "Staafdiagram."


def test_bars_are_scaled_to_the_largest_shown_number() -> None:
    svg = _chart([Bar("a", 40, "40"), Bar("b", 20, "20")])
    widths = [float(r.get("width", "0")) for r in _rects(svg)]
    assert widths == [BAR_SPACE, BAR_SPACE / 2]


def test_a_hidden_cell_is_drawn_the_same_whatever_it_hides() -> None:
    svg = _chart([Bar("a", 40, "40"), Bar("b", "<10", "<10"), Bar("c", "x", "x")])
    hidden = [r for r in _rects(svg) if "hidden" in (r.get("class") or "")]
    assert [float(r.get("width", "0")) for r in hidden] == [HIDDEN_WIDTH, HIDDEN_WIDTH]
    assert all(r.get("fill") == "url(#chart-kinds-hidden)" for r in hidden)
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "<10" in texts and "x" in texts


def test_a_chart_of_only_hidden_cells_still_draws() -> None:
    svg = _chart([Bar("a", "<10", "<10"), Bar("b", "<10", "<10")])
    assert len(_rects(svg)) == 2
    assert int(svg.get("height", "0")) > 0


def test_labels_are_escaped() -> None:
    svg = _chart([Bar("DG <Zuid> & Co", 12, "12")])
    assert "DG <Zuid> & Co" in [t.text for t in svg.iter(f"{SVG}text")]


def test_the_label_room_fits_the_longest_label() -> None:
    quarters = _chart([Bar("Q1", 12, "12"), Bar("Q2", 14, "14")])
    long = _chart([Bar("Netherlands Institute for Human Rights", 12, "12")])
    assert int(quarters.get("width", "0")) < int(long.get("width", "0"))
    label = next(long.iter(f"{SVG}text"))
    assert float(label.get("x", "0")) >= len("Netherlands Institute for Human Rights") * 7
