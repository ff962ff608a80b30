"""The rules for a topic's sources: deep links, real project documents, honest dates.

A source must be the page that says the claim; a homepage supports nothing. A ``checked``
date is the day someone read the page, so it cannot lie in the future, and one more than
12 months old is due for another look.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from knowledge.model import Source, Topic
from knowledge.project_docs import document_problem, is_project_document
from knowledge.topic_file import is_https_url

STALE_AFTER_DAYS = 365  # "more than 12 months": 365 days old is fine, 366 is stale


@dataclass(slots=True)
class Findings:
    """Problems (the check fails) and warnings (it passes, but someone should look)."""

    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def is_homepage(url: str) -> bool:
    """An https URL of a site's front page: no path beyond ``/`` and no query."""
    if not is_https_url(url):
        return False
    parts = urlsplit(url)
    return parts.path in ("", "/") and not parts.query


def source_findings(topic: Topic, today: date, project_root: Path) -> Findings:
    """Every broken source rule of one topic, each line starting with ``lang/id: ``."""
    where = f"{topic.lang}/{topic.id}"
    found = Findings()
    _links(topic, project_root, found)
    _homepages(topic.sources, found)
    _dates(topic, today, found)
    found.problems[:] = [f"{where}: {line}" for line in found.problems]
    found.warnings[:] = [f"{where}: {line}" for line in found.warnings]
    return found


def _links(topic: Topic, project_root: Path, found: Findings) -> None:
    # An installed package carries no docs/ folder: the project documents are verified where
    # the source tree is (make test), not on a production server checking its overlay.
    documents_here = (project_root / "docs").is_dir()
    for source in topic.sources:
        if is_project_document(source.url):
            problem = document_problem(source.url, project_root) if documents_here else None
            if problem is not None:
                found.problems.append(f"source {source.url!r}: {problem}")
        elif not is_https_url(source.url):
            found.problems.append(f"source link {source.url!r} is not a well-formed https URL")


def _homepages(sources: tuple[Source, ...], found: Findings) -> None:
    homepages = [source.url for source in sources if is_homepage(source.url)]
    if homepages and len(homepages) == len(sources):
        found.problems.append(
            f"every source is a homepage ({', '.join(homepages)}); "
            "cite the page that says the claim"
        )
    else:
        found.warnings.extend(
            f"source {url!r} is a homepage next to deep links; cite the page that says the claim"
            for url in homepages
        )


def _dates(topic: Topic, today: date, found: Findings) -> None:
    dated = [("the file", topic.checked)]
    dated += [(f"source {source.url!r}", source.checked) for source in topic.sources]
    for what, checked in dated:
        if checked > today:
            found.problems.append(f"{what} is checked {checked}, after today ({today})")
        elif (today - checked).days > STALE_AFTER_DAYS:
            found.warnings.append(
                f"{what} was checked {checked}, more than 12 months ago: read it again"
            )
