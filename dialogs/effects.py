"""Requests a dialog makes of the outside world, and what comes back.

Dialogs stay pure: a step may carry one :class:`Effect`; the conversation service carries
it out (sealing, storing, unlocking) and hands the :class:`Result` back to the same
dialog's ``after``, which turns it into replies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from bot.signals.content import SignalContent, SignalView
from bot.signals.desk import InboxItem
from bot.signals.unlock_guard import FailedUnlocks

_NOTHING: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Directory:
    """What the intake form offers: advisers by name, units, languages and attributes."""

    advisers: tuple[tuple[str, str], ...] = ()  # (id, name)
    units: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    attributes: tuple[str, ...] = ()  # e.g. "woman": a reporter may ask for one


@dataclass(frozen=True, slots=True)
class LoadDirectory:
    """Read who may receive a signal, to show the intake form.

    ``keep`` holds what the person wrote in a form that could not be taken (stale, or with a
    problem): it travels only inside this turn, never into the stored session. ``note`` is
    the message key that says why the form is shown again.
    """

    mode: str
    keep: Mapping[str, str] = field(default_factory=lambda: _NOTHING, repr=False)
    note: str = ""


@dataclass(frozen=True, slots=True)
class SubmitSignal:
    content: SignalContent = field(repr=False)


@dataclass(frozen=True, slots=True)
class ReadThread:
    receipt: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class AddToThread:
    receipt: str = field(repr=False)
    text: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class DeleteSignal:
    receipt: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class Unlock:
    passphrase: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class ShowInbox:
    pass


@dataclass(frozen=True, slots=True)
class OpenSignal:
    signal_id: str


@dataclass(frozen=True, slots=True)
class ReplyToSignal:
    signal_id: str
    text: str = field(repr=False)
    question: bool = False


@dataclass(frozen=True, slots=True)
class CloseSignal:
    signal_id: str
    outcome: str  # one of bot.stats.categories.OUTCOMES, picked by the adviser


@dataclass(frozen=True, slots=True)
class RecuseSignal:
    signal_id: str


@dataclass(frozen=True, slots=True)
class AcknowledgeSignal:
    signal_id: str


@dataclass(frozen=True, slots=True)
class SetAway:
    starts_on: date
    ends_on: date  # included


@dataclass(frozen=True, slots=True)
class Lock:
    pass


Effect = (
    LoadDirectory
    | SubmitSignal
    | ReadThread
    | AddToThread
    | DeleteSignal
    | Unlock
    | ShowInbox
    | OpenSignal
    | ReplyToSignal
    | CloseSignal
    | RecuseSignal
    | AcknowledgeSignal
    | SetAway
    | Lock
)


@dataclass(frozen=True, slots=True)
class Result:
    """``error`` is a short code (``not_found``, ``rate_limited``, ``wrong_passphrase``…)."""

    error: str = ""
    directory: Directory | None = None
    receipt: str = field(default="", repr=False)
    view: SignalView | None = None
    inbox: tuple[InboxItem, ...] = ()
    session: str = field(default="", repr=False)
    name: str = ""
    session_minutes: int = 0  # how long an adviser's unlocked session lasts
    failed_unlocks: FailedUnlocks | None = None  # wrong passphrases since the last unlock
    due: date | None = None  # the feedback deadline after an acknowledgement

    @property
    def ok(self) -> bool:
        return not self.error
