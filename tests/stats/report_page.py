"""Read a report page back: each element with its attributes and all the text inside it."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = frozenset({"meta", "link", "br", "img", "input", "hr"})


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""
    parents: tuple[str, ...] = field(default=())


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.open: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, "", tuple(e.tag for e in self.open))
        self.elements.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        while self.open:
            if self.open.pop().tag == tag:
                break

    def handle_data(self, data: str) -> None:
        for element in self.open:
            element.text += data


def elements(page: str) -> list[Element]:
    collector = _Collector()
    collector.feed(page)
    return collector.elements


def texts_of(page: str, tag: str) -> list[str]:
    return [e.text.strip() for e in elements(page) if e.tag == tag]


def shown_numbers(page: str) -> list[int]:
    """Every number a reader sees in a table cell, a headline or a chart's bar label."""
    found = []
    for element in elements(page):
        if element.tag in ("td", "dd") or (element.tag == "text" and "svg" in element.parents):
            digits = element.text.strip().replace(".", "").replace(",", "")
            if digits.isdigit():
                found.append(int(digits))
    return found
