"""Imports every module that defines tables, so ``Base.metadata`` knows them all."""

from __future__ import annotations

from adapters.mattermost.once import OnceRow
from adapters.teams.references import AdviserConversationRow
from bot.limits.models import RateWindowRow
from bot.outbox.models import DeliveryItemRow, DeliveryRow, DigestRunRow
from bot.routing.models import AbsenceRow
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
from bot.stats.models import StatsCountRow

__all__ = [
    "AbsenceRow",
    "AdviserConversationRow",
    "AdviserRow",
    "AdviserSessionRow",
    "AttemptRow",
    "AuditHeadRow",
    "AuditRow",
    "ConversationRow",
    "DeliveryItemRow",
    "DeliveryRow",
    "DigestRunRow",
    "FailedUnlockRow",
    "MessageRow",
    "MetaRow",
    "OnceRow",
    "RateWindowRow",
    "SignalOpenRow",
    "SignalRecusalRow",
    "SignalRow",
    "SignalWrapRow",
    "StatsCountRow",
    "UnlockGuardRow",
]
