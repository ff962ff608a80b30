"""Core forms as Mattermost interactive dialogs, and dialog submissions back to form data.

Shapes and limits from "Interactive dialogs" (developers.mattermost.com/integrate/plugins/
interactive-dialogs/) and the server's own check, ``Dialog.IsValid`` and
``DialogElement.IsValid`` in ``server/public/model/integration_action.go``: the title and
each element's ``display_name`` at most 24, ``help_text`` at most 150, a ``text`` element's
placeholder 150 and a ``textarea``'s 3,000. The server measures with Go's ``len``, which
counts UTF-8 *bytes*, so "Beëindigen" costs 11 of the 24; we cut by bytes.

* TEXT up to 150 characters → ``text``; longer → ``textarea`` (the documented advice).
* TEXTAREA → ``textarea``, ``max_length`` the core's limit but at most 3,000 (documented).
* PASSWORD → ``text`` with ``subtype: "password"`` (since server 5.14). The server puts no
  bound on a text element's ``max_length``, so a long passphrase still fits.
* CHOICE → ``select`` with static options.
* MULTI → one ``bool`` (checkbox, since 5.16) per choice. ``select`` with ``multiselect``
  exists only from server 11.0 and an older server would silently offer one choice.

A prefilled value (``FormField.value``) becomes the element's ``default``, within the
server's ``DialogElement.IsValid``: at most 150 bytes for ``text`` and 3,000 for ``textarea``,
an option's value for ``select``, ``"true"`` for a ticked checkbox. A passphrase is never
prefilled.

A submission comes back as ``submission: {name: value}`` with booleans for checkboxes
(``SubmitDialogRequest``). Multi-choice answers are joined with "," as the web chat does
(``adapters/webchat/wire.py``), so the core reads every channel alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.core import Choice, FieldKind, Form, FormField
from bot.errors import CallbackRefused

TITLE_MAX_BYTES = 24
DISPLAY_NAME_MAX_BYTES = 24
HELP_TEXT_MAX_BYTES = 150
PLACEHOLDER_MAX_BYTES = 150  # text and bool elements
TEXT_MAX_CHARS = 150
TEXTAREA_MAX_CHARS = 3000
TEXT_DEFAULT_MAX_BYTES = 150  # model.DialogElementTextMaxLength, measured with len()
TEXTAREA_DEFAULT_MAX_BYTES = 3000  # model.DialogElementTextareaMaxLength
MULTI_SEPARATOR = ","
MULTI_HINT = {"nl": "Kies wat past; meer keuzes mogelijk.", "en": "Tick all that apply."}
ELLIPSIS = "…"


def to_dialog(form: Form, *, state: str, lang: str) -> dict[str, Any]:
    """The ``dialog`` object of ``POST /api/v4/actions/dialogs/open`` for ``form``."""
    elements: list[dict[str, Any]] = []
    for field in form.fields:
        elements.extend(_elements(field, lang))
    return {
        "callback_id": "",
        "title": cut_bytes(form.title, TITLE_MAX_BYTES),
        "introduction_text": "",
        "elements": elements,
        "submit_label": form.submit_label,
        "notify_on_cancel": False,
        "state": state,
    }


def from_submission(spec: Mapping[str, Any], submission: object) -> dict[str, str]:
    """The form data of a dialog submission: known fields only, each cut to its limit."""
    form = form_from_spec(spec)
    answers = submission if isinstance(submission, Mapping) else {}
    data: dict[str, str] = {}
    for field in form.fields:
        if field.kind is FieldKind.MULTI:
            picked = [
                choice.value
                for index, choice in enumerate(field.choices)
                if _ticked(answers.get(_choice_name(field, index)))
            ]
            data[field.name] = MULTI_SEPARATOR.join(picked)
            continue
        value = answers.get(field.name)
        if isinstance(value, str):
            data[field.name] = value[: field.max_length]
    return data


def form_spec(form: Form) -> dict[str, Any]:
    """``form`` as compact JSON, carried signed inside the button that opens its dialog.

    Prefilled values go under ``"v"``; the signer seals them (``CallbackSigner.sign``), so
    the post's properties in Mattermost's database never hold what a person wrote.
    """
    spec: dict[str, Any] = {
        "i": form.id,
        "t": form.title,
        "s": form.submit_label,
        "f": [
            [
                field.name,
                field.label,
                field.kind.value,
                field.required,
                field.max_length,
                field.hint,
                [[choice.value, choice.label] for choice in field.choices],
            ]
            for field in form.fields
        ],
    }
    values = {
        field.name: field.value
        for field in form.fields
        if field.value and field.kind is not FieldKind.PASSWORD
    }
    if values:
        spec["v"] = values
    return spec


def form_from_spec(spec: Mapping[str, Any]) -> Form:
    """The form a spec describes; a spec we did not write is refused as malformed."""
    values = spec.get("v") or {}
    try:
        if not isinstance(values, Mapping):
            raise TypeError("bad values")
        fields = tuple(_field(row, values) for row in spec["f"])
        form = Form(str(spec["i"]), str(spec["t"]), fields, str(spec["s"]))
    except (KeyError, TypeError, ValueError):
        raise CallbackRefused("malformed") from None
    return form


def cut_bytes(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` UTF-8 bytes, with an ellipsis where it was cut."""
    if len(text.encode("utf-8")) <= limit:
        return text
    room = limit - len(ELLIPSIS.encode("utf-8"))
    head = text.encode("utf-8")[:room].decode("utf-8", errors="ignore")
    return head.rstrip() + ELLIPSIS


def _elements(field: FormField, lang: str) -> list[dict[str, Any]]:
    if field.kind is FieldKind.MULTI:
        return _checkboxes(field, lang)
    element: dict[str, Any] = {
        "display_name": cut_bytes(field.label, DISPLAY_NAME_MAX_BYTES),
        "name": field.name,
        "optional": not field.required,
        "help_text": _help_text(field.label, field.hint),
    }
    if field.kind is FieldKind.CHOICE:
        options = [{"text": choice.label, "value": choice.value} for choice in field.choices]
        element.update(type="select", options=options)
        if field.value in {choice.value for choice in field.choices}:
            element["default"] = field.value
    elif field.kind is FieldKind.PASSWORD:
        element.update(type="text", subtype="password", max_length=field.max_length)
    elif field.kind is FieldKind.TEXT and field.max_length <= TEXT_MAX_CHARS:
        element.update(type="text", max_length=field.max_length)
        _prefill(element, field, TEXT_DEFAULT_MAX_BYTES)
    else:
        limit = min(field.max_length, TEXTAREA_MAX_CHARS)
        element.update(type="textarea", max_length=limit)
        _prefill(element, field, TEXTAREA_DEFAULT_MAX_BYTES)
    return [element]


def _prefill(element: dict[str, Any], field: FormField, max_bytes: int) -> None:
    """The value as the element's default, within its length and the server's byte limit."""
    value = field.value[: element["max_length"]]
    if value:
        element["default"] = value.encode("utf-8")[:max_bytes].decode("utf-8", errors="ignore")


def _checkboxes(field: FormField, lang: str) -> list[dict[str, Any]]:
    """One checkbox per choice; the question is the name above each, the choice beside it."""
    hint = field.hint or MULTI_HINT.get(lang, MULTI_HINT["en"])
    ticked = set(field.value.split(MULTI_SEPARATOR)) if field.value else set()
    return [
        {
            "display_name": cut_bytes(field.label, DISPLAY_NAME_MAX_BYTES),
            "name": _choice_name(field, index),
            "type": "bool",
            "optional": True,
            "placeholder": cut_bytes(choice.label, PLACEHOLDER_MAX_BYTES),
            "help_text": _help_text(field.label, hint) if index == 0 else "",
        }
        | ({"default": "true"} if choice.value in ticked else {})
        for index, choice in enumerate(field.choices)
    ]


def _help_text(label: str, hint: str) -> str:
    """The hint; when the label had to be cut, the whole label goes first."""
    fits = len(label.encode("utf-8")) <= DISPLAY_NAME_MAX_BYTES
    text = hint if fits else " ".join(part for part in (label, hint) if part)
    return cut_bytes(text, HELP_TEXT_MAX_BYTES)


def _choice_name(field: FormField, index: int) -> str:
    return f"{field.name}.{index}"


def _ticked(value: object) -> bool:
    # The web app sends a checkbox as a JSON boolean; some clients send the string.
    return value is True or value == "true"


def _field(row: Any, values: Mapping[str, Any]) -> FormField:
    name, label, kind, required, max_length, hint, choices = row
    if not isinstance(max_length, int) or not isinstance(required, bool):
        raise TypeError("bad field")
    value = values.get(str(name), "")
    return FormField(
        name=str(name),
        label=str(label),
        kind=FieldKind(kind),
        required=required,
        max_length=max_length,
        hint=str(hint),
        choices=tuple(Choice(str(choice), str(text)) for choice, text in choices),
        value=value if isinstance(value, str) and kind != FieldKind.PASSWORD else "",
    )
