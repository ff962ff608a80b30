"""The wire carries what keeps an open form usable: prefilled values and ``supersedes``."""

from __future__ import annotations

from adapters.webchat.wire import reply_json
from bot.core import Choice, FieldKind, Form, FormField, Reply

_FORM = Form(
    id="signal:intake:anonymous",
    title="Signaal",
    submit_label="Versturen",
    fields=(
        FormField("what", "Wat is er gebeurd?", FieldKind.TEXTAREA, value="Hij zei iets."),
        FormField(
            "who",
            "Wie mag het lezen?",
            FieldKind.MULTI,
            choices=(Choice("a", "A"), Choice("b", "B")),
            value="a,b",
        ),
        FormField("receipt", "Bewijs", FieldKind.PASSWORD, value="ABCD-EFGH-JKLM"),
    ),
)


def test_a_prefilled_value_is_sent_as_it_would_come_back() -> None:
    fields = reply_json(Reply("Vul in:", form=_FORM))["form"]["fields"]
    assert [f["value"] for f in fields[:2]] == ["Hij zei iets.", "a,b"]


def test_a_password_field_is_never_sent_with_a_value() -> None:
    # A receipt is the key to a signal: it must not travel back to a page that may be shared.
    fields = reply_json(Reply("Vul in:", form=_FORM))["form"]["fields"]
    assert fields[2]["value"] == ""


def test_a_reply_says_whether_it_supersedes_earlier_buttons_and_forms() -> None:
    assert reply_json(Reply("Antwoord"))["supersedes"] is True
    assert reply_json(Reply("Gebruik het formulier.", supersedes=False))["supersedes"] is False
