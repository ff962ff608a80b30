"""The report page in Chromium: axe-core finds nothing serious, and the charts render."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.stats.report_html import render_html
from bot.stats.report_svg import BAR
from tests.adapters.webchat.conftest import CHROMIUM, LAUNCH_ARGS, TIMEOUT_MS, require_chromium
from tests.adapters.webchat.screens import axe_findings
from tests.stats.png_pixels import png_pixels, png_size
from tests.stats.report_samples import sample_year

BAR_RGB = tuple(int(BAR[i : i + 2], 16) for i in (1, 3, 5))


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    require_chromium()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True
        )
        yield launched
        await launched.close()


async def _open(browser: Any, page_html: str, **screen: Any) -> Any:
    context = await browser.new_context(**screen)
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    await page.set_content(page_html)
    assert asked == []  # nothing fetched: the page is self-contained
    return page


@pytest.mark.parametrize(("lang", "draft"), [("nl", False), ("en", True)])
async def test_axe_finds_nothing_serious(browser: Any, lang: str, draft: bool) -> None:
    page = await _open(browser, render_html(sample_year(draft=draft, unit_groups=("DG A",)), lang))
    assert await axe_findings(page) == []


async def test_axe_finds_nothing_serious_on_a_narrow_screen(browser: Any) -> None:
    page = await _open(
        browser, render_html(sample_year(), "nl"), viewport={"width": 360, "height": 740}
    )
    assert await axe_findings(page) == []


async def test_axe_would_find_a_chart_without_a_name(browser: Any) -> None:
    """The check above can fail: the same page with its charts' names taken away."""
    broken = render_html(sample_year(), "nl").replace("aria-labelledby=", "data-x=")
    broken = broken.replace("<title id=", "<x-title hidden id=").replace(
        "</title><desc", "</x-title><desc"
    )
    page = await _open(browser, broken)
    assert any(f.startswith("svg-img-alt") for f in await axe_findings(page))


async def test_the_charts_render_as_bars(browser: Any) -> None:
    page = await _open(
        browser, render_html(sample_year(), "nl"), viewport={"width": 1200, "height": 900}
    )
    chart = page.locator("#chart-signals-title").locator("xpath=..")
    shot = await chart.screenshot()
    width, height = png_size(shot)
    assert 300 <= width <= 1200 and 80 <= height <= 600
    pixels = png_pixels(shot)
    bar_pixels = sum(
        1 for p in pixels if all(abs(a - b) <= 8 for a, b in zip(p, BAR_RGB, strict=True))
    )
    assert bar_pixels > len(pixels) // 20  # four filled bars, not a blank image
    assert len(set(pixels)) > 10  # text and stripes beside the bars


async def test_hidden_cells_draw_striped_outlines(browser: Any) -> None:
    page = await _open(
        browser, render_html(sample_year(), "nl"), viewport={"width": 1200, "height": 900}
    )
    hidden = page.locator("#chart-kinds-title").locator("xpath=..").locator("rect.hidden")
    assert await hidden.count() == 2
    box = await hidden.first.bounding_box()
    assert box is not None and box["width"] > 5
    shot = await hidden.first.screenshot()
    pixels = png_pixels(shot)
    dark = sum(1 for p in pixels if sum(p) < 450)
    assert 0 < dark < len(pixels)  # stripes: some ink, not a solid bar


async def test_the_page_prints_to_pdf(browser: Any) -> None:
    page = await _open(browser, render_html(sample_year(), "nl"))
    pdf = await page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
