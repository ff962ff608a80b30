"""Imports every module that defines tables, so ``Base.metadata`` knows them all."""

from __future__ import annotations

from adapters.teams.references import AdviserConversationRow
from bot.signals.models import (
    AdviserRow,
    AdviserSessionRow,
    AttemptRow,
    AuditHeadRow,
    AuditRow,
    FailedUnlockRow,
    MessageRow,
    MetaRow,
    SignalOpenRow,
    SignalRecusalRow,
    SignalRow,
    SignalWrapRow,
    UnlockGuardRow,
)
from bot.state import ConversationRow

__all__ = [
    "AdviserConversationRow",
    "AdviserRow",
    "AdviserSessionRow",
    "AttemptRow",
    "AuditHeadRow",
    "AuditRow",
    "ConversationRow",
    "FailedUnlockRow",
    "MessageRow",
    "MetaRow",
    "SignalOpenRow",
    "SignalRecusalRow",
    "SignalRow",
    "SignalWrapRow",
    "UnlockGuardRow",
]
