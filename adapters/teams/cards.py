"""Adaptive Cards (schema 1.5) for core buttons and forms.

Element and property names come from the Adaptive Cards schema explorer
(adaptivecards.io/explorer): ``Input.Text`` (``isMultiline``; ``style: "password"`` since 1.5),
``Input.ChoiceSet`` (``isMultiSelect``), ``label``/``isRequired``/``errorMessage`` on inputs
(since 1.3), ``Action.Submit`` whose ``data`` comes back merged with the input values. An
input's initial ``value`` (since 1.0) is a string; a multi-select's is "a comma-delimited
string of values" (explorer, ``Input.ChoiceSet``), the shape its submission has too.
Teams supports schema 1.5 on desktop and mobile ("Cards reference", learn.microsoft.com/
microsoftteams/platform/task-modules-and-cards/cards/cards-reference).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.core import Button, FieldKind, Form, FormField

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.5"
# Teams' host config shows at most six card-level actions; longer menus become a vertical
# list of single-button action sets so every choice stays visible and readable.
MAX_CARD_ACTIONS = 5
# Radio buttons up to this many choices, a compact drop-down beyond.
MAX_EXPANDED_CHOICES = 6

Json = dict[str, Any]


def buttons_card(text: str, buttons: Sequence[Button]) -> Json:
    actions = [_submit(button.label, {"action": button.action}) for button in buttons]
    body = _text_blocks(text)
    if len(actions) <= MAX_CARD_ACTIONS:
        return _card(body, actions)
    rows = [{"type": "ActionSet", "actions": [action]} for action in actions]
    return _card(body + rows, [])


def form_card(text: str, form: Form, buttons: Sequence[Button] = ()) -> Json:
    """One card: the inputs, their one submit, then any other buttons (which send no input)."""
    # Dialogs often send the form's title as the message text; show that heading once.
    body = [] if text.strip() == form.title.strip() else _text_blocks(text)
    body.append(
        {
            "type": "TextBlock",
            "text": form.title,
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
        }
    )
    body.extend(_input(field) for field in form.fields)
    # associatedInputs "none" (schema 1.3+): pressing "Menu" must not send a typed receipt
    # or passphrase along with it.
    others = [
        {**_submit(button.label, {"action": button.action}), "associatedInputs": "none"}
        for button in buttons
    ]
    return _card(body, [_submit(form.submit_label, {"form": form.id}), *others])


def without_inputs(card: Json) -> Json:
    """The card as it reads once superseded: its text, no inputs, no buttons.

    The inputs go with their values, so what a form was prefilled with leaves the screen.
    """
    body = [element for element in card.get("body", ()) if element.get("type") == "TextBlock"]
    return _card(body, [])


def attachment(card: Json) -> Json:
    return {"contentType": CARD_CONTENT_TYPE, "content": card}


def _card(body: list[Json], actions: list[Json]) -> Json:
    card: Json = {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "body": body,
    }
    if actions:
        card["actions"] = actions
    return card


def _text_blocks(text: str) -> list[Json]:
    if not text.strip():
        return []
    return [{"type": "TextBlock", "text": text, "wrap": True}]


def _submit(title: str, data: Json) -> Json:
    return {"type": "Action.Submit", "title": title, "data": data}


def _input(field: FormField) -> Json:
    element: Json = {
        "id": field.name,
        "label": field.label,
        "isRequired": field.required,
    }
    if field.required:
        element["errorMessage"] = field.label
    if field.kind in (FieldKind.CHOICE, FieldKind.MULTI):
        element.update(_choice_set(field))
    else:
        element.update(_text_input(field))
    return element


def _text_input(field: FormField) -> Json:
    element: Json = {"type": "Input.Text", "maxLength": field.max_length}
    # A passphrase is never written into a card: Teams keeps every card it was sent.
    if field.value and field.kind is not FieldKind.PASSWORD:
        element["value"] = field.value[: field.max_length]
    if field.hint:
        element["placeholder"] = field.hint
    if field.kind is FieldKind.TEXTAREA:
        element["isMultiline"] = True
    elif field.kind is FieldKind.PASSWORD:
        element["style"] = "password"
    return element


def _choice_set(field: FormField) -> Json:
    element: Json = {
        "type": "Input.ChoiceSet",
        "choices": [{"title": choice.label, "value": choice.value} for choice in field.choices],
        "isMultiSelect": field.kind is FieldKind.MULTI,
        "style": "expanded" if len(field.choices) <= MAX_EXPANDED_CHOICES else "compact",
    }
    chosen = _chosen(field)
    if chosen:
        element["value"] = chosen
    if field.hint:
        element["placeholder"] = field.hint
    return element


def _chosen(field: FormField) -> str:
    """The prefilled choices that are still offered, comma-joined (one for a single choice)."""
    offered = {choice.value for choice in field.choices}
    picked = [value for value in field.value.split(",") if value in offered]
    if field.kind is FieldKind.CHOICE:
        picked = picked[:1]
    return ",".join(dict.fromkeys(picked))
