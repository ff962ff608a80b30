"""Sources that are this project's own documents: ``docs/<file>.md`` with an optional anchor.

Product facts (what the bot stores, who can read a signal, how long it is kept) are stated by
the project's documentation, not by an authority's website, so a topic may cite e.g.
``docs/security.md#retention``. Loading accepts the form; ``knowledge check`` verifies the
file and the anchor.
"""

from __future__ import annotations

import re
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_DOCUMENT = re.compile(r"^docs/[A-Za-z0-9][A-Za-z0-9._-]*\.md(?:#(?P<anchor>[\w-]+))?$")
_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(?P<text>.*?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_LINK = re.compile(r"\[(?P<text>[^\]]*)\]\([^)]*\)")
# GitHub keeps letters, digits, "_" and "-" (and turns each space into "-"); the rest goes.
_NOT_SLUG = re.compile(r"[^\w\- ]")


def is_project_document(url: str) -> bool:
    """True for ``docs/<file>.md`` with an optional ``#anchor``: a path, never a web address."""
    return _DOCUMENT.match(url) is not None


def document_problem(url: str, root: Path = PROJECT_ROOT) -> str | None:
    """Why ``url`` does not point at a heading of an existing project document, or None."""
    path, _, anchor = url.partition("#")
    target = root / path
    if not target.is_file():
        return f"project document {path!r} does not exist"
    if anchor and anchor not in heading_slugs(target.read_text(encoding="utf-8")):
        return f"project document {path!r} has no heading with the anchor #{anchor}"
    return None


def heading_slugs(markdown: str) -> set[str]:
    """The anchors GitHub gives the headings of ``markdown`` (duplicates get -1, -2, ...)."""
    slugs: set[str] = set()
    seen: dict[str, int] = {}
    in_fence = False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        found = None if in_fence else _HEADING.match(line)
        if found is None:
            continue
        slug = slug_of(found["text"])
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        slugs.add(slug if count == 0 else f"{slug}-{count}")
    return slugs


def slug_of(heading: str) -> str:
    """GitHub's anchor for one heading text: lower case, punctuation dropped, spaces to "-"."""
    text = _LINK.sub(lambda link: link["text"], heading)
    return _NOT_SLUG.sub("", text.strip().lower()).replace(" ", "-")
