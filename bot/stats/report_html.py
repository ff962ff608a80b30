"""The report as one self-contained, accessible HTML page: no script, no external file.

Every chart is inline SVG with a title and description (``role="img"``), and has its numbers
in a table beside it (``<caption>``, ``<th scope>``). Print CSS makes the browser's "print
to PDF" a clean document.
"""

from __future__ import annotations

from html import escape

from bot.stats.report_html_style import STYLE
from bot.stats.report_svg import Bar, bar_chart
from bot.stats.report_texts import ReportTexts, report_texts
from bot.stats.report_words import as_shown, in_words, listing
from bot.stats.report_year import PublishedYear
from bot.stats.tables import TOTAL, Cell, PublishedTable

# Nothing may be fetched: styles are inline, charts are inline SVG, there is no script.
_POLICY = "default-src 'none'; style-src 'unsafe-inline'"


def render_html(year: PublishedYear, lang: str) -> str:
    texts = report_texts(lang)
    title = _title(year, texts)
    body = "".join(
        (
            _header(year, texts, title),
            "<main>",
            _glance(year, texts),
            *(_section(year, table, texts) for table in year.tables),
            _explanation(year, texts),
            "</main>",
            f"<footer><p>{escape(texts.text('footer', threshold=year.threshold))}</p></footer>",
        )
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_POLICY}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def _title(year: PublishedYear, texts: ReportTexts) -> str:
    if year.organisation:
        return texts.text("title_with_organisation", year=year.year, organisation=year.organisation)
    return texts.text("title", year=year.year)


def _header(year: PublishedYear, texts: ReportTexts, title: str) -> str:
    banner = (
        f'<p class="banner" role="note"><strong>{escape(texts.text("draft_banner"))}</strong></p>'
        if year.draft
        else ""
    )
    quarters = texts.text("quarters_note", quarters=listing(year.quarters, texts))
    return (
        f"<header>{banner}<h1>{escape(title)}</h1>"
        f"<p>{escape(texts.text('intro', year=year.year))}</p><p>{escape(quarters)}</p></header>"
    )


# Charted per quarter (the total row); every other table per category over the year.
PER_QUARTER = frozenset({"signals"})
_GLANCE = (
    ("glance_signals", "signals", TOTAL),
    ("glance_conversations", "conversations", TOTAL),
    ("glance_acknowledged", "acknowledged", "met"),
    ("glance_feedback", "feedback", "met"),
)


def _glance(year: PublishedYear, texts: ReportTexts) -> str:
    """The year's headline numbers, read from the published tables, never counted again."""
    items = []
    for key, table, row in _GLANCE:
        cell = year.cell(table, row, TOTAL)
        if cell is None:
            continue
        value = escape(in_words(cell, texts, year.threshold))
        items.append(f"<div><dt>{escape(texts.text(key))}</dt><dd>{value}</dd></div>")
    return (
        f'<section aria-labelledby="glance"><h2 id="glance">{escape(texts.text("glance"))}</h2>'
        f'<dl class="glance">{"".join(items)}</dl></section>'
    )


def _section(year: PublishedYear, table: PublishedTable, texts: ReportTexts) -> str:
    heading = texts.heading(table.name)
    bars = _bars(table, texts)
    values = "; ".join(f"{b.label}: {in_words(b.value, texts, year.threshold)}" for b in bars)
    per_quarter = table.name in PER_QUARTER and TOTAL in table.rows
    description = texts.text("chart_desc_quarters" if per_quarter else "chart_desc", values=values)
    if any(not isinstance(b.value, int) for b in bars):
        description += " " + texts.text("chart_hidden_note")
    chart = bar_chart(f"chart-{table.name}", heading, description, bars)
    return (
        f'<section aria-labelledby="{table.name}"><h2 id="{table.name}">{escape(heading)}</h2>'
        f'<p>{escape(texts.intro(table.name))}</p><div class="pair">'
        f"<figure>{chart}<figcaption>{escape(description)}</figcaption></figure>"
        f"{_table(table, texts, heading)}</div></section>"
    )


def _bars(table: PublishedTable, texts: ReportTexts) -> list[Bar]:
    """Signals per quarter from the total row; every other table per category over the year."""
    if table.name in PER_QUARTER and TOTAL in table.rows:
        cells = table.cells[table.rows.index(TOTAL)]
        pairs = [(c, cells[i]) for i, c in enumerate(table.columns) if c != TOTAL]
    else:
        at = table.columns.index(TOTAL)
        pairs = [
            (texts.label(table.name, r), table.cells[i][at])
            for i, r in enumerate(table.rows)
            if r != TOTAL
        ]
    return [Bar(label, cell, as_shown(cell, texts.lang)) for label, cell in pairs]


def _table(table: PublishedTable, texts: ReportTexts, heading: str) -> str:
    columns = "".join(
        f'<th scope="col">{escape(texts.text("total") if c == TOTAL else c)}</th>'
        for c in table.columns
    )
    rows = "".join(
        f'<tr><th scope="row">{escape(texts.label(table.name, r))}</th>'
        + "".join(_cell(cell, texts, table.threshold) for cell in table.cells[i])
        + "</tr>"
        for i, r in enumerate(table.rows)
    )
    caption = texts.text("table_caption", heading=heading)
    return (
        f"<table><caption>{escape(caption)}</caption><thead><tr>"
        f'<th scope="col">{escape(texts.text("category"))}</th>{columns}</tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def _cell(cell: Cell, texts: ReportTexts, threshold: int) -> str:
    if isinstance(cell, int):
        return f"<td>{as_shown(cell, texts.lang)}</td>"
    words = escape(in_words(cell, texts, threshold))
    return f'<td><abbr title="{words}">{escape(cell)}</abbr></td>'


def _explanation(year: PublishedYear, texts: ReportTexts) -> str:
    t = year.threshold
    parts = []
    for key, lines in (
        ("how_to_read", texts.paragraphs("how_to_read_text", threshold=t)),
        ("rules", texts.paragraphs("rules_text", threshold=t)),
    ):
        items = "".join(f"<li>{escape(line)}</li>" for line in lines)
        parts.append(
            f'<section aria-labelledby="{key}"><h2 id="{key}">{escape(texts.text(key))}</h2>'
            f"<ul>{items}</ul></section>"
        )
    parts.append(
        f'<section aria-labelledby="never"><h2 id="never">{escape(texts.text("never"))}</h2>'
        f"<p>{escape(texts.text('never_text'))}</p></section>"
    )
    return "".join(parts)
