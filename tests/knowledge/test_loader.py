from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.errors import KnowledgeError
from knowledge.base import KnowledgeBase
from knowledge.loader import load_topics


def test_good_files_load_with_sections_and_contacts(fixture_content: Path) -> None:
    topics = load_topics(fixture_content, webchat_url="https://chat.example.org/")
    adviser = topics[("confidential-adviser", "nl")]
    assert adviser.section("does").text == "Listens. Zie het intranet."
    assert adviser.intro == "Intro text."
    assert adviser.checked.isoformat() == "2026-11-28"
    assert adviser.sources[0].checked.isoformat() == "2026-11-28"
    assert topics[("options", "en")].intro == "Pick a route. Chat at https://chat.example.org/"
    assert topics[("options", "en")].routes == ("confidential-adviser",)
    assert adviser.origin == "shipped"


def test_overlay_replaces_and_adds_topics_and_contacts(
    fixture_content: Path, fixture_overlay: Path
) -> None:
    kb = KnowledgeBase.load(content_dir=fixture_content, overlay=fixture_overlay)
    assert kb.topic("options", "nl").title == "Opties van ons"
    assert kb.topic("options", "nl").origin == "overlay"
    assert kb.topic("options", "en").origin == "shipped"
    assert kb.topic("canteen", "nl").origin == "overlay"
    assert not kb.has("canteen", "en")
    adviser_nl = kb.topic("confidential-adviser", "nl").section("does").text
    adviser_en = kb.topic("confidential-adviser", "en").section("does").text
    assert adviser_nl.endswith("Bel Anna op 0123.")
    assert adviser_en.endswith("See the intranet.")
    assert kb.match("waar is de kantine", "nl").topic == "canteen"


def test_unknown_topic_is_a_knowledge_error(fixture_content: Path) -> None:
    kb = KnowledgeBase.load(content_dir=fixture_content)
    with pytest.raises(KnowledgeError, match="no topic"):
        kb.topic("canteen", "nl")
    assert kb.ids() == ("confidential-adviser", "options")
    assert [t.id for t in kb.topics("en")] == ["confidential-adviser", "options"]


BROKEN = [
    ("no front matter", lambda t: t.replace("---\n", "", 1), "front matter"),
    (
        "unclosed",
        lambda t: t.replace("checked: 2026-11-28\n---\n", "checked: 2026-11-28\n"),
        "closed",
    ),
    ("bad yaml", lambda t: t.replace("title:", "title: [unclosed"), "YAML"),
    ("missing key", lambda t: t.replace("summary: Someone who listens.\n", ""), "misses summary"),
    ("unknown key", lambda t: t.replace("summary:", "colour: red\nsummary:"), "unknown keys"),
    ("wrong lang", lambda t: t.replace("lang: nl", "lang: en"), "does not match its folder"),
    ("wrong id", lambda t: t.replace("id: confidential-adviser", "id: adviser"), "file name"),
    ("bad date", lambda t: t.replace("checked: 2026-11-28\n---", "checked: soon\n---"), "date"),
    ("bad url", lambda t: t.replace("https://example.org/adviser", "http://example.org"), "https"),
    (
        "long title",
        lambda t: t.replace("title: Confidential adviser nl", "title: " + "x" * 41),
        "title",
    ),
    (
        "examples type",
        lambda t: t.replace("examples:\n", "examples: one\nold:\n").replace("old:\n", "related:\n"),
        "examples",
    ),
    ("missing section", lambda t: t.replace("{#next}", "{#later}"), "#next"),
    ("heading without key", lambda t: t.replace("## Next {#next}", "## Next"), "without a"),
    ("unknown placeholder", lambda t: t.replace("Nobody.", "{{contact:canteen}}"), "placeholder"),
    ("no intro", lambda t: t.replace("Intro text.\n", ""), "intro"),
]


@pytest.mark.parametrize(("name", "breaks", "problem"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_shipped_file_names_file_and_problem(
    tmp_path: Path, fixture_content: Path, name: str, breaks: object, problem: str
) -> None:
    content = tmp_path / "content"
    shutil.copytree(fixture_content, content)
    target = content / "nl" / "confidential-adviser.md"
    target.write_text(breaks(target.read_text()))  # type: ignore[operator]
    with pytest.raises(KnowledgeError) as caught:
        KnowledgeBase.load(content_dir=content)
    assert str(target) in str(caught.value)
    assert problem in str(caught.value)


def test_broken_overlay_file_names_the_overlay_file(
    tmp_path: Path, fixture_content: Path, fixture_overlay: Path
) -> None:
    overlay = tmp_path / "overlay"
    shutil.copytree(fixture_overlay, overlay)
    target = overlay / "nl" / "canteen.md"
    target.write_text(target.read_text().replace("lang: nl", "lang: de"))
    with pytest.raises(KnowledgeError, match=r"canteen\.md"):
        KnowledgeBase.load(content_dir=fixture_content, overlay=overlay)


def test_broken_overlay_contacts_are_reported(tmp_path: Path, fixture_content: Path) -> None:
    (tmp_path / "contacts.toml").write_text("[nl\n")
    with pytest.raises(KnowledgeError, match=r"contacts\.toml"):
        KnowledgeBase.load(content_dir=fixture_content, overlay=tmp_path)


def test_shipped_ids_must_be_fixed_ids(tmp_path: Path, fixture_content: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(fixture_content, content)
    source = (content / "nl" / "options.md").read_text()
    (content / "nl" / "canteen.md").write_text(source.replace("id: options", "id: canteen"))
    with pytest.raises(KnowledgeError, match="fixed topic ids"):
        KnowledgeBase.load(content_dir=content)


def test_missing_folder_is_reported(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match="does not exist"):
        KnowledgeBase.load(content_dir=tmp_path / "nowhere")
