"""Product-fact placeholders: the content states this installation's settings, not a guess."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from bot.errors import KnowledgeError
from bot.knowledge_settings import product_facts
from bot.recovery import new_recovery_pair
from bot.settings import Settings
from knowledge.base import KnowledgeBase
from knowledge.contacts import load_contacts
from knowledge.facts import FACTS_FILE, ProductFacts, fact_texts
from knowledge.loader import SHIPPED_CONTENT

FACTS = tomllib.loads(FACTS_FILE.read_text(encoding="utf-8"))


@pytest.fixture
def content(tmp_path: Path, fixture_content: Path) -> Path:
    """The fixture content with both fact placeholders in a section and in the intro."""
    folder = tmp_path / "content"
    shutil.copytree(fixture_content, folder)
    for lang in ("nl", "en"):
        target = folder / lang / "confidential-adviser.md"
        text = target.read_text().replace(
            "Nobody.", "Kept {{retention_days}} days. {{recovery_key}}"
        )
        target.write_text(text.replace("Intro text.", "Intro {{ retention_days }}."))
    return folder


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize(
    ("recovery", "text"), [(True, "recovery-key-on"), (False, "recovery-key-off")]
)
def test_the_settings_fill_the_fact_placeholders(
    content: Path, lang: str, recovery: bool, text: str
) -> None:
    facts = ProductFacts(retention_days=42, recovery_key=recovery)
    topic = KnowledgeBase.load(content_dir=content, facts=facts).topic("confidential-adviser", lang)
    assert topic.section("confidential").text == f"Kept 42 days. {FACTS[lang][text]}"
    assert topic.intro == "Intro 42."


def test_the_recovery_sentence_flips_with_the_setting(content: Path) -> None:
    def sentence(recovery: bool) -> str:
        kb = KnowledgeBase.load(content_dir=content, facts=ProductFacts(recovery_key=recovery))
        return kb.topic("confidential-adviser", "nl").section("confidential").text

    assert sentence(True) != sentence(False)
    assert "elk signaal lezen" in sentence(True)
    assert "geen vertrouwenspersoon het meer lezen" in sentence(False)


def test_the_default_facts_are_the_settings_defaults(content: Path) -> None:
    topic = KnowledgeBase.load(content_dir=content).topic("confidential-adviser", "en")
    assert topic.intro == f"Intro {Settings.model_fields['retention_days'].default}."
    assert FACTS["en"]["recovery-key-off"] in topic.section("confidential").text


def test_an_overlay_cannot_change_the_fact_texts(content: Path, tmp_path: Path) -> None:
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "facts.toml").write_text('[nl]\nrecovery-key-off = "Alles is veilig."\n')
    (overlay / "contacts.toml").write_text('[nl]\nrecovery_key = "Alles is veilig."\n')
    kb = KnowledgeBase.load(content_dir=content, overlay=overlay)
    text = kb.topic("confidential-adviser", "nl").section("confidential").text
    assert text == f"Kept 180 days. {FACTS['nl']['recovery-key-off']}"


@pytest.mark.parametrize("wrong", ["{{retention_day}}", "{{recovery-key}}", "{{fact:retention}}"])
def test_a_wrong_fact_placeholder_refuses_to_load_naming_the_file(
    content: Path, wrong: str
) -> None:
    target = content / "nl" / "confidential-adviser.md"
    target.write_text(target.read_text().replace("{{retention_days}}", wrong))
    with pytest.raises(KnowledgeError) as caught:
        KnowledgeBase.load(content_dir=content)
    assert str(target) in str(caught.value) and "placeholder" in str(caught.value)


@pytest.mark.parametrize(
    "broken",
    [
        '[nl]\nrecovery-key-on = "a"\nrecovery-key-off = "b"\n',  # no [en]
        '[nl]\nrecovery-key-on = "a"\n[en]\nrecovery-key-on = "a"\nrecovery-key-off = "b"\n',
        '[nl]\nrecovery-key-on = "a"\nrecovery-key-off = ""\n'
        '[en]\nrecovery-key-on = "a"\nrecovery-key-off = "b"\n',
        "[nl\n",
    ],
)
def test_a_broken_facts_file_is_an_error_naming_it(tmp_path: Path, broken: str) -> None:
    path = tmp_path / "facts.toml"
    path.write_text(broken)
    with pytest.raises(KnowledgeError, match=r"facts\.toml"):
        fact_texts(ProductFacts(), path)


def test_the_shipped_facts_file_has_every_text() -> None:
    texts = {lang: fact_texts(ProductFacts(recovery_key=True))[lang] for lang in ("nl", "en")}
    assert texts["nl"]["recovery_key"] == FACTS["nl"]["recovery-key-on"]
    assert fact_texts(ProductFacts(retention_days=7))["en"]["retention_days"] == "7"


def test_product_facts_come_from_the_settings(settings: Settings) -> None:
    public, _ = new_recovery_pair()
    configured = settings.model_copy(update={"retention_days": 30, "recovery_public_key": public})
    assert product_facts(configured) == ProductFacts(retention_days=30, recovery_key=True)
    empty = settings.model_copy(update={"recovery_public_key": ""})
    assert product_facts(empty) == ProductFacts(retention_days=180, recovery_key=False)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_privacy_contact_is_shipped_in_every_language(lang: str) -> None:
    contacts = load_contacts(SHIPPED_CONTENT, None, "https://chat.example.org/", {})
    text = contacts.fill("{{contact:privacy}}", lang)
    assert "intranet" in text
    assert (
        "functionaris gegevensbescherming" if lang == "nl" else "data protection officer"
    ) in text
