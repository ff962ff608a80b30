"""The report page: self-contained, its headline read from the published tables, accessible
structure (captions, scoped headers, charts named by title and description), both languages.
"""

from __future__ import annotations

import re
import tomllib
from importlib.resources import files

import pytest

from bot.stats.report_html import render_html
from bot.stats.report_year import PublishedYear
from bot.stats.tables import PublishedTable
from tests.stats.report_page import elements, shown_numbers, texts_of
from tests.stats.report_samples import sample_year


@pytest.fixture(params=["nl", "en"])
def lang(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


def test_the_page_is_in_the_language_asked_for(lang: str) -> None:
    page = render_html(sample_year(), lang)
    assert page.startswith("<!DOCTYPE html>")
    assert f'<html lang="{lang}">' in page
    assert ("Het jaar in het kort" in page) == (lang == "nl")
    assert ("The year at a glance" in page) == (lang == "en")


def test_the_page_needs_nothing_from_outside_and_runs_no_script() -> None:
    page = render_html(sample_year(), "nl")
    assert "<script" not in page
    assert not re.search(r"\b(src|href)=", page)
    references = re.findall(r"url\(([^)]*)\)", page)
    assert references and all(re.fullmatch(r"#chart-[a-z_]+-hidden", r) for r in references)
    assert "default-src 'none'" in page
    assert "@media print" in page


def test_every_chart_has_a_title_a_description_and_a_table_beside_it() -> None:
    year = sample_year(unit_groups=("DG Noord", "DG Zuid"))
    page = render_html(year, "nl")
    found = elements(page)
    charts = [e for e in found if e.tag == "svg"]
    assert len(charts) == len(year.tables)
    ids = {e.attrs.get("id") for e in found}
    for chart in charts:
        assert chart.attrs["role"] == "img"
        assert all(i in ids for i in chart.attrs["aria-labelledby"].split())
        assert chart.parents[-1] == "figure"
    captions = texts_of(page, "figcaption")
    assert len(captions) == len(year.tables)
    assert all(c.startswith("Staafdiagram") and ": " in c for c in captions)
    assert len(texts_of(page, "caption")) == len(year.tables)
    headers = [e for e in found if e.tag == "th"]
    assert headers and all(e.attrs.get("scope") in ("row", "col") for e in headers)


def test_the_glance_reads_the_published_cells() -> None:
    page = render_html(sample_year(), "nl")
    glance = texts_of(page, "dd")
    signals = sample_year().cell("signals", "total", "total")
    conversations = sample_year().cell("conversations", "total", "total")
    assert glance[:2] == [str(signals), str(conversations)]
    # The sample hides the acknowledgement's "met" row total, beside a small cell.
    assert glance[2:] == ["niet getoond", "niet getoond"]


def test_a_small_total_reads_fewer_than_the_threshold_in_words(lang: str) -> None:
    year = sample_year()
    signals = year.table("signals")
    assert signals is not None
    small = PublishedTable(
        signals.name,
        10,
        signals.rows,
        signals.columns,
        tuple(tuple("<10" for _ in row) for row in signals.cells),
    )
    tables = tuple(small if t.name == "signals" else t for t in year.tables)
    page = render_html(PublishedYear(2025, 10, year.quarters, tables), lang)
    words = "minder dan 10" if lang == "nl" else "fewer than 10"
    assert texts_of(page, "dd")[0] == words
    assert f'<abbr title="{words}">&lt;10</abbr>' in page


def test_numbers_are_grouped_the_readers_way() -> None:
    year = sample_year()
    signals = year.table("signals")
    assert signals is not None
    big = PublishedTable(
        signals.name,
        10,
        signals.rows,
        signals.columns,
        tuple(tuple(12345 for _ in row) for row in signals.cells),
    )
    tables = tuple(big if t.name == "signals" else t for t in year.tables)
    assert "12.345" in render_html(PublishedYear(2025, 10, year.quarters, tables), "nl")
    assert "12,345" in render_html(PublishedYear(2025, 10, year.quarters, tables), "en")


def test_only_the_published_numbers_appear() -> None:
    year = sample_year()
    published = {c for t in year.tables for row in t.cells for c in row if isinstance(c, int)}
    assert set(shown_numbers(render_html(year, "nl"))) <= published


def test_a_draft_says_so_at_the_top(lang: str) -> None:
    banner = "Concept, niet om te publiceren" if lang == "nl" else "Draft, not for publication"
    assert banner in render_html(sample_year(draft=True), lang)
    assert banner not in render_html(sample_year(), lang)


def test_the_page_states_the_rules_and_how_to_read_it(lang: str) -> None:
    page = render_html(sample_year(), lang)
    headings = texts_of(page, "h2")
    if lang == "nl":
        assert {"Zo leest u dit overzicht", "Hoe we kleine aantallen beschermen"} <= set(headings)
    else:
        assert {"How to read this overview", "How we protect small numbers"} <= set(headings)
    assert "ESSnet" in page


def test_both_languages_have_every_text_and_no_word_for_the_machinery() -> None:
    raw = tomllib.loads(files("bot.stats").joinpath("report_texts.toml").read_text("utf-8"))

    def keys(tree: dict[str, object], prefix: str = "") -> set[str]:
        found = set()
        for key, value in tree.items():
            found |= keys(value, f"{prefix}{key}.") if isinstance(value, dict) else {prefix + key}
        return found

    assert keys(raw["nl"]) == keys(raw["en"])
    words = str(raw).lower()
    assert not re.search(r"\b(session|sessie|tools?)\b", words)
    assert "/work" not in words and "/tmp" not in words


def test_the_organisation_and_group_names_are_escaped() -> None:
    year = sample_year(unit_groups=("DG <i>Zuid</i>",))
    page = render_html(
        PublishedYear(2025, 10, year.quarters, year.tables, organisation="BZK & <Co>"), "nl"
    )
    assert "BZK &amp; &lt;Co&gt;" in page and "<Co>" not in page
    assert "DG &lt;i&gt;Zuid&lt;/i&gt;" in page and "<i>" not in page
