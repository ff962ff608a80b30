"""The interface texts say what the bot really does, with one word for each thing."""

from __future__ import annotations

import re

import pytest

from adapters.mattermost.forms import TITLE_MAX_BYTES, cut_bytes
from dialogs.messages import Messages
from knowledge.topic_file import MAX_TITLE
from tests.dialogs.conftest import Chat

MESSAGES = Messages.load()
RECEIPT = {"nl": "ontvangstcode", "en": "receipt code"}


def texts(lang: str) -> dict[str, str]:
    return dict(MESSAGES.catalogue[lang])


def test_menu_buttons_fit_a_button(chat: Chat, lang: str) -> None:
    # Topic titles double as buttons and are held to MAX_TITLE; the menu's own labels too.
    labels = [button.label for reply in chat.start() for button in reply.buttons]
    labels.append(MESSAGES.text(lang, "adviser.desk"))
    assert labels and all(len(label) <= MAX_TITLE for label in labels), labels


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_receipt_form_fits_a_mattermost_dialog_uncut(lang: str) -> None:
    # Mattermost refuses a dialog title or field name over 24 bytes; we would cut it.
    for key in ("follow_up.form_title", "follow_up.code"):
        text = MESSAGES.text(lang, key)
        assert cut_bytes(text, TITLE_MAX_BYTES) == text and RECEIPT[lang] in text.lower()


def test_the_menu_offers_a_signal_to_an_adviser_not_a_formal_report() -> None:
    nl, en = MESSAGES.text("nl", "menu.signal"), MESSAGES.text("en", "menu.signal")
    assert "signaal" in nl and "vertrouwenspersoon" in nl and "meld" not in nl.lower()
    assert "signal" in en and "adviser" in en and "report" not in en.lower()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_code_is_always_the_receipt_code(lang: str) -> None:
    # Each text that speaks of the code names it once in full; "de code" may follow.
    code = re.compile(r"\bcodes?\b", re.IGNORECASE)
    vague = [
        key
        for key, text in texts(lang).items()
        if code.search(text.replace(RECEIPT[lang], "")) and RECEIPT[lang] not in text.lower()
    ]
    assert vague == []


def test_the_bots_signal_is_never_a_melding() -> None:
    assert [key for key, text in texts("nl").items() if "melding" in text.lower()] == []


@pytest.mark.parametrize(("lang", "word"), [("nl", "gekozen"), ("en", "chosen")])
def test_no_text_says_advisers_were_chosen(lang: str, word: str) -> None:
    # The reporter can only exclude advisers; the bot picks who may read a signal.
    assert [key for key, text in texts(lang).items() if word in text.lower()] == []


@pytest.mark.parametrize(("lang", "norm"), [("nl", "servicenorm"), ("en", "service norm")])
def test_the_desk_presents_its_dates_as_the_service_norm(lang: str, norm: str) -> None:
    for key in ("adviser.ack_due", "adviser.feedback_due", "adviser.acknowledged"):
        assert norm in MESSAGES.text(lang, key), key
    legal = re.compile(r"\b(termijn|deadline|wet|law|klokkenluider\w*|whistleblow\w*)\b", re.I)
    # Naming the authority a signal may be referred to (an outcome when closing) is no
    # claim that the signal is a whistleblower report.
    authority = re.compile(r"Huis voor Klokkenluiders|Whistleblowers Authority")
    said = {key: authority.sub("", text) for key, text in texts(lang).items()}
    assert [key for key, text in said.items() if legal.search(text)] == []
