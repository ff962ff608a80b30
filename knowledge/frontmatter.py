"""Split a content file into YAML front matter, intro and ``## Heading {#key}`` sections."""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

_FENCE = "---"
_HEADING = re.compile(r"^##\s+(?P<heading>.*?)\s*\{#(?P<key>[a-z0-9][a-z0-9-]*)\}\s*$")
_ANY_HEADING = re.compile(r"^##\s")


class FrontMatterError(ValueError):
    """The file's layout is broken; the loader adds the file name."""


@dataclass(frozen=True, slots=True)
class RawSection:
    key: str
    heading: str
    text: str


@dataclass(frozen=True, slots=True)
class RawDocument:
    meta: dict[str, object]
    intro: str
    sections: tuple[RawSection, ...]


def parse_document(text: str) -> RawDocument:
    """Parse a whole content file; raises :class:`FrontMatterError` on a broken layout."""
    header, body = _split(text)
    meta = _load_yaml(header)
    intro, sections = _split_sections(body)
    return RawDocument(meta=meta, intro=intro, sections=sections)


def _split(text: str) -> tuple[str, str]:
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != _FENCE:
        raise FrontMatterError("does not start with a '---' front matter line")
    for number, line in enumerate(lines[1:], start=1):
        if line.strip() == _FENCE:
            return "\n".join(lines[1:number]), "\n".join(lines[number + 1 :])
    raise FrontMatterError("front matter is not closed by a '---' line")


def _load_yaml(header: str) -> dict[str, object]:
    try:
        meta = yaml.safe_load(header)
    except yaml.YAMLError as exc:
        raise FrontMatterError(f"front matter is not valid YAML: {exc}") from None
    if not isinstance(meta, dict) or not all(isinstance(key, str) for key in meta):
        raise FrontMatterError("front matter must be a mapping of keys to values")
    return meta


def _split_sections(body: str) -> tuple[str, tuple[RawSection, ...]]:
    intro_lines: list[str] = []
    sections: list[tuple[str, str, list[str]]] = []
    for line in body.splitlines():
        if _ANY_HEADING.match(line):
            match = _HEADING.match(line)
            if match is None:
                raise FrontMatterError(f"heading without a {{#key}}: {line.strip()!r}")
            sections.append((match["key"], match["heading"], []))
        elif sections:
            sections[-1][2].append(line)
        else:
            intro_lines.append(line)
    return "\n".join(intro_lines).strip(), tuple(
        RawSection(key=key, heading=heading, text="\n".join(lines).strip())
        for key, heading, lines in sections
    )
