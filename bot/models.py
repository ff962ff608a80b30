"""Imports every module that defines tables, so ``Base.metadata`` knows them all."""

from __future__ import annotations

from adapters.teams.references import AdviserConversationRow
from bot.signals.models import (
    AdviserRow,
    AdviserSessionRow,
    AttemptRow,
    AuditRow,
    MessageRow,
    MetaRow,
    SignalOpenRow,
    SignalRow,
    SignalWrapRow,
)
from bot.state import ConversationRow

__all__ = [
    "AdviserConversationRow",
    "AdviserRow",
    "AdviserSessionRow",
    "AttemptRow",
    "AuditRow",
    "ConversationRow",
    "MessageRow",
    "MetaRow",
    "SignalOpenRow",
    "SignalRow",
    "SignalWrapRow",
]
