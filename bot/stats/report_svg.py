"""Horizontal bar charts as inline SVG, drawn from published cells only.

A hidden cell is drawn as a short striped outline of one fixed width with its mark ("<10",
"x") beside it: never as a bar of its true value, which the chart never sees.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from bot.stats.tables import Cell

BAR_SPACE = 330
VALUE_SPACE = 70  # the number or mark after the longest bar
# Labels are right-aligned before the bars, in as much room as the longest one needs (13px
# text is under 8px a character), so a chart of quarters stays narrow and legible when a
# small screen scales it down.
CHARACTER = 7.8
LABEL_ROOM = (30, 330)
HIDDEN_WIDTH = 26
ROW = 30
BAR_HEIGHT = 18
TOP = 8
INK = "#1a1a1a"
BAR = "#1f5a96"  # 7:1 on white: bars and stripes stay clear in print and for low vision


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: Cell
    shown: str  # the value as the reader sees it: "1.234", "<10", "x"


def bar_chart(chart_id: str, title: str, description: str, bars: Sequence[Bar]) -> str:
    """One chart; ``chart_id`` must be unique on the page (it names the title and pattern).

    A screen reader names the image by its short title; the page shows ``description`` once
    more as the figure's caption, read in the flow of the page, so it is not also the image's
    name (it would be read twice). ``<desc>`` keeps it with the chart when the SVG is copied.
    """
    height = TOP * 2 + ROW * max(len(bars), 1)
    largest = max((b.value for b in bars if isinstance(b.value, int)), default=0) or 1
    longest = max((len(b.label) for b in bars), default=0) * CHARACTER
    label_end = round(min(max(longest + 12, LABEL_ROOM[0]), LABEL_ROOM[1]))
    rows = "".join(_row(chart_id, index, bar, largest, label_end) for index, bar in enumerate(bars))
    width = label_end + 10 + BAR_SPACE + VALUE_SPACE
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-labelledby="{chart_id}-title" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
        f"{_hatch(chart_id)}{rows}</svg>"
    )


def _hatch(chart_id: str) -> str:
    return (
        f'<defs><pattern id="{chart_id}-hidden" width="6" height="6" '
        'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{BAR}" stroke-width="2"/>'
        "</pattern></defs>"
    )


def _row(chart_id: str, index: int, bar: Bar, largest: int, label_end: int) -> str:
    bar_start = label_end + 10
    top = TOP + index * ROW
    middle = top + ROW / 2
    bar_top = middle - BAR_HEIGHT / 2
    label = (
        f'<text x="{label_end}" y="{middle}" dy="0.35em" text-anchor="end" '
        f'font-size="13" fill="{INK}">{escape(bar.label)}</text>'
    )
    if isinstance(bar.value, int):
        width = round(bar.value / largest * BAR_SPACE, 1)
        shape = (
            f'<rect class="bar" x="{bar_start}" y="{bar_top}" width="{width}" '
            f'height="{BAR_HEIGHT}" fill="{BAR}"/>'
        )
    else:
        width = HIDDEN_WIDTH
        shape = (
            f'<rect class="bar hidden" x="{bar_start}" y="{bar_top}" width="{width}" '
            f'height="{BAR_HEIGHT}" fill="url(#{chart_id}-hidden)" stroke="{BAR}" '
            'stroke-dasharray="3 2"/>'
        )
    value = (
        f'<text x="{bar_start + width + 6}" y="{middle}" dy="0.35em" font-size="13" '
        f'fill="{INK}">{escape(bar.shown)}</text>'
    )
    return f"<g>{label}{shape}{value}</g>"
