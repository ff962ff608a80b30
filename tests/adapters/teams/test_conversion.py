"""Activity → Incoming and Reply → activity conversions, without any network."""

from __future__ import annotations

import json

from adapters.teams.incoming import to_incoming
from adapters.teams.outgoing import MAX_TEXT_BYTES, split_text, to_activities
from bot.core import Button, Kind, Reply

from .conftest import SIGNAL_FORM, load_activity

SERVICE = "https://smba.trafficmanager.net/emea/"


def test_sender_falls_back_to_the_channel_id_without_aad_object_id() -> None:
    activity = load_activity("message.json", SERVICE)
    del activity["from"]["aadObjectId"]
    incoming = to_incoming(activity)
    assert incoming is not None and incoming.sender == activity["from"]["id"]


def test_mention_of_someone_else_is_kept() -> None:
    activity = load_activity("message_mention.json", SERVICE)
    activity["entities"][0]["mentioned"]["id"] = "29:someone-else"
    incoming = to_incoming(activity)
    assert incoming is not None and "<at>Meldwijzer</at>" in incoming.text


def test_bot_added_to_a_group_chat_is_not_a_personal_welcome() -> None:
    activity = load_activity("conversation_update_install.json", SERVICE)
    activity["conversation"]["conversationType"] = "groupChat"
    assert to_incoming(activity) is None


def test_someone_else_added_is_not_a_welcome() -> None:
    activity = load_activity("conversation_update_install.json", SERVICE)
    activity["membersAdded"] = [{"id": "29:someone-else"}]
    assert to_incoming(activity) is None


def test_submit_without_action_or_form_and_empty_text_are_ignored() -> None:
    activity = load_activity("card_submit_action.json", SERVICE)
    activity["value"] = {"unrelated": "x"}
    assert to_incoming(activity) is None
    message = load_activity("message.json", SERVICE)
    message["text"] = "   "
    assert to_incoming(message) is None


def test_form_values_are_strings_and_nested_values_are_dropped() -> None:
    activity = load_activity("card_submit_form.json", SERVICE)
    activity["value"].update({"count": 3, "msteams": {"x": 1}, "flag": None})
    incoming = to_incoming(activity)
    assert incoming is not None and incoming.kind is Kind.FORM
    assert dict(incoming.data)["count"] == "3"
    assert "msteams" not in incoming.data and "flag" not in incoming.data


def test_text_only_reply_is_markdown_message() -> None:
    [message] = to_activities([Reply("**Let op**", lang="en")])
    assert message == {
        "type": "message",
        "text": "**Let op**",
        "textFormat": "markdown",
        "locale": "en",
    }


def test_many_buttons_become_a_vertical_list() -> None:
    buttons = tuple(Button(f"Keuze {n}", f"choice-{n}") for n in range(8))
    [message] = to_activities([Reply("Kies", buttons=buttons)])
    card = message["attachments"][0]["content"]
    assert card["version"] == "1.5" and "actions" not in card
    rows = [element for element in card["body"] if element["type"] == "ActionSet"]
    assert [row["actions"][0]["data"]["action"] for row in rows] == [b.action for b in buttons]


def test_form_card_fields() -> None:
    [message] = to_activities([Reply("", form=SIGNAL_FORM)])
    card = message["attachments"][0]["content"]
    inputs = {element["id"]: element for element in card["body"] if "id" in element}
    assert inputs["what"]["isRequired"] is True and inputs["what"]["maxLength"] == 4000
    assert inputs["where"]["type"] == "Input.ChoiceSet"
    assert inputs["where"]["isMultiSelect"] is False
    assert inputs["where"]["choices"] == [{"title": "In mijn team", "value": "team"}]
    assert inputs["passphrase"] == {
        "id": "passphrase",
        "label": "Wachtwoord",
        "isRequired": False,
        "type": "Input.Text",
        "maxLength": 500,
        "style": "password",
    }
    assert len(card["actions"]) == 1 and card["actions"][0]["title"] == "Versturen"


def test_long_card_text_sends_leading_text_then_the_card() -> None:
    reply = Reply("één " * 6000, buttons=(Button("Ok", "ok"),))
    messages = to_activities([reply])
    assert len(messages) >= 2
    assert "attachments" in messages[-1] and "attachments" not in messages[0]
    assert all(len(json.dumps(m, ensure_ascii=False).encode()) < 28 * 1024 for m in messages)


def test_split_text_respects_utf8_bytes_and_keeps_every_word() -> None:
    text = "\n\n".join("ë" * 900 + " woord" for _ in range(20))
    pieces = split_text(text, MAX_TEXT_BYTES)
    assert all(len(piece.encode()) <= MAX_TEXT_BYTES for piece in pieces)
    assert "".join(pieces).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(
        " ", ""
    )
    assert split_text("x" * 20000, 1000)[0] == "x" * 1000
    assert split_text("", 1000) == [""]


def test_a_form_keeps_its_other_buttons_which_send_no_input() -> None:
    from adapters.teams.cards import form_card
    from bot.core import Button, FieldKind, Form, FormField

    form = Form(
        "follow-up:read", "Code", (FormField("code", "Code", FieldKind.TEXT, True),), "Read"
    )
    card = form_card("Welcome back", form, (Button("Menu", "menu:show"),))
    submit, menu = card["actions"]
    assert submit["data"] == {"form": "follow-up:read"}
    assert "associatedInputs" not in submit
    assert menu == {
        "type": "Action.Submit",
        "title": "Menu",
        "data": {"action": "menu:show"},
        "associatedInputs": "none",
    }
