"""The two conversions of the web chat: JSON bodies to :class:`Incoming`, replies to JSON.

Message bodies have exactly one of three shapes::

    {"text": "..."}
    {"action": "..."}
    {"form": "<form id>", "data": {"<field>": "value" | ["value", ...]}}

A list value comes from a multi-choice field; its values are joined with ","
(as Teams Adaptive Cards do for a multi-select ChoiceSet), so the core reads every
channel's multi-choice answers the same way.

Each reply carries ``supersedes`` (true: earlier buttons and forms no longer apply) and
``conceal_input`` (true: the page hides the person's message it answers), and each form
field a prefilled ``value`` in the shape it comes back in ("" for a password).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from adapters.webchat.problems import WebchatProblem
from bot.core import Channel, Form, FormField, Incoming, Kind, Reply, plain_text, user_spans

MULTI_CHOICE_SEPARATOR = ","
MAX_FORM_FIELDS = 50
# A BCP 47 tag such as "nl", "en-GB" or "nl_NL"; the core maps it to a language.
_LOCALE_SHAPE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,4}")


def start_incoming(body: Mapping[str, Any], token: str) -> Incoming:
    """``{"locale": "nl" | "en" | null}`` (``locale`` may be left out) to a START event."""
    _only_keys(body, {"locale"})
    locale = body.get("locale")
    if locale is not None and not (isinstance(locale, str) and _LOCALE_SHAPE.fullmatch(locale)):
        raise WebchatProblem(400, "bad_shape")
    return Incoming(channel=Channel.WEBCHAT, conversation=token, kind=Kind.START, locale=locale)


def message_incoming(body: Mapping[str, Any], token: str) -> Incoming:
    """One of the three message shapes to a TEXT, ACTION or FORM event (sender is always "")."""
    if "text" in body:
        _only_keys(body, {"text"})
        return _event(token, Kind.TEXT, text=_string(body["text"]))
    if "action" in body:
        _only_keys(body, {"action"})
        return _event(token, Kind.ACTION, action=_string(body["action"]))
    if "form" in body:
        _only_keys(body, {"form", "data"})
        data = _form_data(body.get("data"))
        return _event(token, Kind.FORM, form=_string(body["form"]), data=data)
    raise WebchatProblem(400, "bad_shape")


def _event(token: str, kind: Kind, **values: Any) -> Incoming:
    return Incoming(channel=Channel.WEBCHAT, conversation=token, kind=kind, **values)


def _only_keys(body: Mapping[str, Any], allowed: set[str]) -> None:
    if not set(body) <= allowed:
        raise WebchatProblem(400, "bad_shape")


def _string(value: object) -> str:
    if not isinstance(value, str):
        raise WebchatProblem(400, "bad_shape")
    return value


def _form_data(data: object) -> Mapping[str, str]:
    if not isinstance(data, dict) or len(data) > MAX_FORM_FIELDS:
        raise WebchatProblem(400, "bad_shape")
    return MappingProxyType({name: _form_value(value) for name, value in data.items()})


def _form_value(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return MULTI_CHOICE_SEPARATOR.join(value)
    raise WebchatProblem(400, "bad_shape")


def replies_json(replies: Sequence[Reply]) -> list[dict[str, Any]]:
    return [reply_json(reply) for reply in replies]


def reply_json(reply: Reply) -> dict[str, Any]:
    # The page puts every character in a text node (chat.js), but makes **bold**, "- " lists
    # and links of the bot's own text; ``parts`` tells it which words are a person's, so it
    # shows those exactly as written. ``text`` is the same without that split.
    return {
        "text": plain_text(reply.text),
        "parts": [{"text": part, "theirs": theirs} for theirs, part in user_spans(reply.text)],
        "lang": reply.lang,
        "buttons": [{"label": b.label, "action": b.action} for b in reply.buttons],
        "form": None if reply.form is None else _form_json(reply.form),
        "sensitive": reply.sensitive,
        "supersedes": reply.supersedes,
        "conceal_input": reply.conceal_input,
    }


def _form_json(form: Form) -> dict[str, Any]:
    return {
        "id": form.id,
        "title": form.title,
        "submit_label": form.submit_label,
        "fields": [_field_json(f) for f in form.fields],
    }


def _field_json(form_field: FormField) -> dict[str, Any]:
    return {
        "name": form_field.name,
        "label": form_field.label,
        "kind": form_field.kind.value,
        "required": form_field.required,
        "max_length": form_field.max_length,
        "hint": form_field.hint,
        "choices": [{"value": c.value, "label": c.label} for c in form_field.choices],
        "value": form_field.prefill,
    }
