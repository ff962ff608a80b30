"""``knowledge check``'s source rules: deep links, no future dates, a warning when stale."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from knowledge.base import KnowledgeBase
from knowledge.check import CheckReport, check, content_today
from knowledge.source_rules import is_homepage
from tests.knowledge.conftest import FIXTURE_DAY

WHERE = "nl/confidential-adviser: "
FIXTURE_SOURCES = """sources:
  - title: Example source
    url: https://example.org/adviser
    checked: "2026-11-28"
checked: 2026-11-28
"""


def report_for(
    tmp_path: Path,
    fixture_content: Path,
    urls: tuple[str, ...] = ("https://example.org/adviser",),
    *,
    today: date = FIXTURE_DAY,
    file_checked: date = date(2026, 11, 28),
    source_checked: date = date(2026, 11, 28),
) -> CheckReport:
    """The check's findings about one fixture topic citing ``urls``, seen on ``today``."""
    content = tmp_path / "content"
    shutil.copytree(fixture_content, content)
    target = content / "nl" / "confidential-adviser.md"
    sources = "".join(
        f"  - title: Source {n}\n    url: {url}\n    checked: {source_checked}\n"
        for n, url in enumerate(urls)
    )
    replaced = f"sources:\n{sources}checked: {file_checked}\n"
    target.write_text(target.read_text().replace(FIXTURE_SOURCES, replaced))
    root = tmp_path / "project"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "security.md").write_text("# Security\n\n## Retention\n")
    report = check(KnowledgeBase.load(content_dir=content), today=today, project_root=root)
    return CheckReport(
        tuple(p for p in report.problems if p.startswith(WHERE)),
        tuple(w for w in report.warnings if w.startswith(WHERE)),
    )


@pytest.mark.parametrize(
    ("url", "homepage"),
    [
        ("https://www.politie.nl", True),
        ("https://www.politie.nl/", True),
        ("https://www.politie.nl/#top", True),
        ("https://www.politie.nl:443/", True),
        ("https://www.politie.nl/?lang=en", False),
        ("https://www.politie.nl/aangifte", False),
        ("https://www.politie.nl//", False),
        ("docs/security.md", False),
        ("docs/security.md#retention", False),
    ],
)
def test_what_counts_as_a_homepage(url: str, homepage: bool) -> None:
    assert is_homepage(url) is homepage


def test_the_fixture_as_it_is_gives_nothing(tmp_path: Path, fixture_content: Path) -> None:
    assert report_for(tmp_path, fixture_content) == CheckReport((), ())


@pytest.mark.parametrize(
    "urls",
    [("https://www.politie.nl",), ("https://www.politie.nl/", "https://example.org")],
)
def test_a_topic_citing_only_homepages_is_a_problem(
    tmp_path: Path, fixture_content: Path, urls: tuple[str, ...]
) -> None:
    report = report_for(tmp_path, fixture_content, urls)
    assert len(report.problems) == 1 and "every source is a homepage" in report.problems[0]
    assert report.exit_code == 1


@pytest.mark.parametrize(
    "urls",
    [
        ("https://www.politie.nl/aangifte",),
        ("https://www.politie.nl/?q=aangifte",),
        ("docs/security.md",),
        ("docs/security.md#retention", "https://example.org/adviser"),
    ],
)
def test_deep_links_and_project_documents_are_not_homepages(
    tmp_path: Path, fixture_content: Path, urls: tuple[str, ...]
) -> None:
    assert report_for(tmp_path, fixture_content, urls) == CheckReport((), ())


def test_a_homepage_next_to_deep_links_is_a_warning(tmp_path: Path, fixture_content: Path) -> None:
    urls = ("https://example.org/adviser", "https://www.politie.nl", "docs/security.md")
    report = report_for(tmp_path, fixture_content, urls)
    assert report.problems == ()
    assert len(report.warnings) == 1
    assert "'https://www.politie.nl' is a homepage next to deep links" in report.warnings[0]
    assert report.exit_code == 0


@pytest.mark.parametrize("which", ["file", "source"])
@pytest.mark.parametrize(("days_ahead", "problem"), [(0, False), (1, True)])
def test_a_checked_date_after_today_is_a_problem(
    tmp_path: Path, fixture_content: Path, which: str, days_ahead: int, problem: bool
) -> None:
    checked = FIXTURE_DAY + timedelta(days=days_ahead)
    dates = {"file_checked": checked} if which == "file" else {"source_checked": checked}
    report = report_for(tmp_path, fixture_content, **dates)  # type: ignore[arg-type]
    assert report.warnings == ()
    if problem:
        assert len(report.problems) == 1 and "after today (2026-12-01)" in report.problems[0]
        assert ("the file" if which == "file" else "'https://example.org/adviser'") in (
            report.problems[0]
        )
    else:
        assert report.problems == ()


@pytest.mark.parametrize("which", ["file", "source"])
@pytest.mark.parametrize(("days_ago", "stale"), [(365, False), (366, True)])
def test_a_checked_date_over_twelve_months_old_is_a_warning(
    tmp_path: Path, fixture_content: Path, which: str, days_ago: int, stale: bool
) -> None:
    checked = FIXTURE_DAY - timedelta(days=days_ago)
    other = FIXTURE_DAY - timedelta(days=1)
    dates = (
        {"file_checked": checked, "source_checked": other}
        if which == "file"
        else {"file_checked": other, "source_checked": checked}
    )
    report = report_for(tmp_path, fixture_content, **dates)  # type: ignore[arg-type]
    assert report.problems == ()
    if stale:
        assert len(report.warnings) == 1 and "more than 12 months ago" in report.warnings[0]
        assert report.exit_code == 0
    else:
        assert report.warnings == ()


def test_the_command_prints_warnings_and_counts_both() -> None:
    report = CheckReport(("nl/a: broken",), ("nl/b: old", "en/b: old"))
    assert report.lines() == ["nl/a: broken", "warning: nl/b: old", "warning: en/b: old"]
    assert report.summary(3) == "3 topics checked: 1 problem(s), 2 warning(s)"
    warnings_only = CheckReport((), ("nl/b: old",))
    assert warnings_only.summary(3) == "3 topics checked: 0 problem(s), 1 warning(s)"
    assert warnings_only.exit_code == 0
    assert CheckReport((), ()).summary(3) == "3 topics checked: OK"


def test_the_shipped_content_has_no_problems_and_no_warnings(shipped_kb: KnowledgeBase) -> None:
    # Fails until the reviewed content (deep links, new topics) is in: that is the point.
    report = check(shipped_kb, today=content_today())
    assert report == CheckReport((), ()), "\n".join(report.lines())
