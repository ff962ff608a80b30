"""Sources that cite this project's own documents (docs/<file>.md#anchor)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.errors import KnowledgeError
from knowledge.base import KnowledgeBase
from knowledge.check import check
from knowledge.project_docs import PROJECT_ROOT, document_problem, heading_slugs, slug_of
from tests.knowledge.conftest import FIXTURE_DAY

FIXTURE_URL = "https://example.org/adviser"


def content_citing(tmp_path: Path, fixture_content: Path, url: str) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(fixture_content, folder)
    target = folder / "nl" / "confidential-adviser.md"
    target.write_text(target.read_text().replace(FIXTURE_URL, url))
    return folder


def project(tmp_path: Path, text: str = "# Title\n\n## Retention\n\nKept.\n") -> Path:
    root = tmp_path / "project"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "security.md").write_text(text)
    return root


@pytest.mark.parametrize("url", ["docs/security.md", "docs/security.md#retention"])
def test_the_loader_accepts_a_project_document(
    tmp_path: Path, fixture_content: Path, url: str
) -> None:
    kb = KnowledgeBase.load(content_dir=content_citing(tmp_path, fixture_content, url))
    assert kb.topic("confidential-adviser", "nl").sources[0].url == url


@pytest.mark.parametrize(
    "url",
    [
        "docs/../secret.md",
        "docs/sub/security.md",
        "/etc/passwd",
        "security.md",
        "docs/security.txt",
        "docs/security.md#",
        "docs/security.md#a b",
        "http://example.org/docs/security.md",
    ],
)
def test_the_loader_refuses_anything_else(tmp_path: Path, fixture_content: Path, url: str) -> None:
    content = content_citing(tmp_path, fixture_content, url)
    with pytest.raises(KnowledgeError, match="project document") as caught:
        KnowledgeBase.load(content_dir=content)
    assert "confidential-adviser.md" in str(caught.value)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("docs/security.md", None),
        ("docs/security.md#retention", None),
        ("docs/security.md#title", None),
        ("docs/security.md#recovery", "no heading with the anchor #recovery"),
        ("docs/privacy.md", "'docs/privacy.md' does not exist"),
    ],
)
def test_the_check_verifies_the_file_and_the_anchor(
    tmp_path: Path, fixture_content: Path, url: str, problem: str | None
) -> None:
    kb = KnowledgeBase.load(content_dir=content_citing(tmp_path, fixture_content, url))
    report = check(kb, today=FIXTURE_DAY, project_root=project(tmp_path))
    found = [p for p in report.problems if "project document" in p]
    if problem is None:
        assert found == []
    else:
        assert len(found) == 1 and found[0].startswith("nl/confidential-adviser: ")
        assert problem in found[0]


def test_without_a_docs_folder_the_documents_are_not_verified(
    tmp_path: Path, fixture_content: Path
) -> None:
    # An installed package has no docs/ folder; its overlay check must not fail on that.
    url = "docs/security.md#retention"
    kb = KnowledgeBase.load(content_dir=content_citing(tmp_path, fixture_content, url))
    report = check(kb, today=FIXTURE_DAY, project_root=tmp_path)
    assert not [p for p in report.problems if "project document" in p]


def test_the_projects_own_security_document_has_the_anchors_content_cites() -> None:
    assert document_problem("docs/security.md#retention", PROJECT_ROOT) is None
    assert document_problem("docs/security.md#recovery", PROJECT_ROOT) is None


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        ("Retention", "retention"),
        (
            "The chat platform's administrators (Teams, Mattermost)",
            "the-chat-platforms-administrators-teams-mattermost",
        ),
        ("`MELDWIJZER_RETENTION_DAYS` and more", "meldwijzer_retention_days-and-more"),
        ("[Audit log](#audit-log) details", "audit-log-details"),
        ("Wat één signaal bewaart", "wat-één-signaal-bewaart"),
        ("Recusal -- and disabling", "recusal----and-disabling"),
    ],
)
def test_slugs_follow_github(heading: str, slug: str) -> None:
    assert slug_of(heading) == slug


def test_repeated_headings_and_code_blocks() -> None:
    text = "# A\n## Notes\n```\n# not a heading\n```\n### Notes ##\n#Not either\n"
    assert heading_slugs(text) == {"a", "notes", "notes-1"}
