"""Filling a form again with what a person wrote, so an interruption loses none of it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from bot.core import FieldKind, Form, FormField

# Multi-choice values arrive joined with "," from every channel (adapters/webchat/wire.py).
_SEPARATOR = ","


def prefilled(
    form: Form, values: Mapping[str, str], *, never: frozenset[str] = frozenset()
) -> Form:
    """``form`` with each field set to the submitted value it may still hold.

    A PASSWORD field and the fields named in ``never`` (a receipt typed as text) stay empty;
    a choice no longer offered is dropped, so the form never shows a value it would refuse.
    """
    fields = tuple(
        replace(field, value="" if field.name in never else kept_value(field, values))
        for field in form.fields
    )
    return replace(form, fields=fields)


def kept_value(field: FormField, values: Mapping[str, str]) -> str:
    value = values.get(field.name, "")
    allowed = {choice.value for choice in field.choices}
    if field.kind is FieldKind.PASSWORD:
        return ""
    if field.kind is FieldKind.CHOICE:
        return value if value in allowed else ""
    if field.kind is FieldKind.MULTI:
        picked = (part.strip() for part in value.split(_SEPARATOR))
        return _SEPARATOR.join(dict.fromkeys(part for part in picked if part in allowed))
    return value
