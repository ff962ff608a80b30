"""Core forms as interactive dialogs within the server's limits, and submissions back."""

from __future__ import annotations

import pytest

from adapters.mattermost.forms import (
    cut_bytes,
    form_from_spec,
    form_spec,
    from_submission,
    to_dialog,
)
from bot.core import Choice, FieldKind, Form, FormField
from bot.errors import CallbackRefused

KINDS = (Choice("racism", "Racisme"), Choice("sexism", "Seksisme"), Choice("other", "Anders"))
FORM = Form(
    "signal:intake",
    "Een signaal achterlaten voor de vertrouwenspersoon",
    (
        FormField(
            "what", "Wat is er gebeurd?", FieldKind.TEXTAREA, True, 4000, "In je eigen woorden"
        ),
        FormField("kinds", "Wat voor gedrag was het? Meer keuzes", FieldKind.MULTI, choices=KINDS),
        FormField("role", "Jouw rol", FieldKind.CHOICE, True, choices=KINDS[:2]),
        FormField(
            "contact", "Hoe bereiken we je?", FieldKind.TEXT, False, 60, "e-mail of telefoon"
        ),
        FormField("note", "Kort", FieldKind.TEXT, False, 400),
        FormField("passphrase", "Wachtzin", FieldKind.PASSWORD, True, 500),
    ),
    "Versturen",
)


def elements(form: Form = FORM) -> dict[str, dict[str, object]]:
    dialog = to_dialog(form, state="STATE", lang="nl")
    return {str(element["name"]): element for element in dialog["elements"]}


def utf8(text: object) -> int:
    return len(str(text).encode("utf-8"))


def test_the_dialog_carries_the_state_and_the_submit_label() -> None:
    dialog = to_dialog(FORM, state="STATE", lang="nl")
    assert dialog["state"] == "STATE"
    assert dialog["submit_label"] == "Versturen"
    assert utf8(dialog["title"]) <= 24 and dialog["title"].endswith("…")


def test_every_text_stays_within_the_servers_byte_limits() -> None:
    # Dialog.IsValid measures with Go's len(): UTF-8 bytes, so "ë" costs two.
    accented = Form(
        "f", "Beëindigen van één zaak ë", (FormField("x", "ë" * 30, hint="é" * 200),), "Ok"
    )
    for form in (FORM, accented):
        dialog = to_dialog(form, state="", lang="nl")
        assert utf8(dialog["title"]) <= 24
        for element in dialog["elements"]:
            assert 0 < utf8(element["display_name"]) <= 24
            assert utf8(element.get("help_text", "")) <= 150
            assert utf8(element.get("placeholder", "")) <= 150
            assert len(str(element["name"])) <= 300


def test_a_label_that_had_to_be_cut_is_shown_whole_in_the_help_text() -> None:
    kinds = elements()["kinds.0"]
    assert str(kinds["help_text"]).startswith("Wat voor gedrag was het? Meer keuzes")
    assert elements()["what"]["help_text"] == "In je eigen woorden"


def test_field_kinds_map_to_the_documented_elements() -> None:
    found = elements()
    assert (found["what"]["type"], found["what"]["max_length"]) == ("textarea", 3000)
    assert (found["contact"]["type"], found["contact"]["max_length"]) == ("text", 60)
    assert found["contact"]["optional"] is True and found["what"]["optional"] is False
    assert (found["note"]["type"], found["note"]["max_length"]) == ("textarea", 400)
    password = found["passphrase"]
    assert (password["type"], password["subtype"], password["max_length"]) == (
        "text",
        "password",
        500,
    )
    assert found["role"]["type"] == "select"
    assert found["role"]["options"] == [
        {"text": "Racisme", "value": "racism"},
        {"text": "Seksisme", "value": "sexism"},
    ]


def test_a_multi_choice_is_a_checkbox_per_choice() -> None:
    found = elements()
    boxes = [found[f"kinds.{index}"] for index in range(3)]
    assert [box["type"] for box in boxes] == ["bool"] * 3
    assert [box["placeholder"] for box in boxes] == ["Racisme", "Seksisme", "Anders"]
    assert all(box["optional"] is True for box in boxes)
    assert "multiselect" not in found["role"]


def test_a_submission_becomes_the_cores_form_data() -> None:
    spec = form_spec(FORM)
    submission = {
        "what": "Het gebeurde " * 500,
        "kinds.0": True,
        "kinds.1": False,
        "kinds.2": "true",
        "role": "sexism",
        "contact": None,
        "passphrase": "lange wachtzin",
        "unknown": "dropped",
        "note": 12,
    }
    data = from_submission(spec, submission)
    assert data == {
        "what": ("Het gebeurde " * 500)[:4000],
        "kinds": "racism,other",
        "role": "sexism",
        "passphrase": "lange wachtzin",
    }


def test_a_submission_that_is_no_object_gives_empty_answers() -> None:
    assert from_submission(form_spec(FORM), ["what"]) == {"kinds": ""}


def test_a_spec_round_trips_to_the_same_form() -> None:
    assert form_from_spec(form_spec(FORM)) == FORM


@pytest.mark.parametrize(
    "spec",
    [
        {},
        {"i": "x", "t": "t", "s": "s", "f": [["only", "two"]]},
        {"i": "x", "t": "t", "s": "s", "f": [["n", "l", "nope", False, 1, "", []]]},
    ],
)
def test_a_spec_we_did_not_write_is_malformed(spec: dict[str, object]) -> None:
    with pytest.raises(CallbackRefused) as refused:
        form_from_spec(spec)
    assert refused.value.reason == "malformed"


def test_cutting_never_splits_a_character() -> None:
    assert cut_bytes("ë" * 16, 24) == "ë" * 10 + "…"
    assert cut_bytes("kort", 24) == "kort"
