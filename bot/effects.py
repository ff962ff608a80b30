"""Carries out what dialogs ask for (seal, store, unlock…) and maps failures to short codes."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

from bot.counters import EventCounters
from bot.errors import (
    CryptoError,
    InputError,
    NoAdviserAvailable,
    RateLimited,
    ReceiptNotFound,
    ServerBusy,
    SessionExpired,
    WrongPassphrase,
)
from bot.outbox.enqueue import Outbox
from bot.routing.availability import Absences
from bot.seal import KdfPool
from bot.signals.desk import AdviserDesk
from bot.signals.followup import ReporterFollowUp
from bot.signals.intake import SignalIntake
from bot.signals.registry import Adviser, AdviserRegistry
from bot.signals.unlock import AdviserSessions, Unlocked
from bot.stats.recorder import StatsRecorder
from bot.stats.signal_counts import UnitGroup, count_submitted, no_unit_groups
from dialogs.effects import (
    AcknowledgeSignal,
    AddToThread,
    CloseSignal,
    DeleteSignal,
    Directory,
    Effect,
    LoadDirectory,
    Lock,
    OpenSignal,
    ReadThread,
    RecuseSignal,
    ReplyToSignal,
    Result,
    SetAway,
    ShowInbox,
    SubmitSignal,
    Unlock,
)

log = logging.getLogger("meldwijzer.signals")


@dataclass(frozen=True, slots=True)
class Caller:
    """Who asks: a keyed hash of the conversation (for rate limits) and the adviser, if any."""

    bucket: str
    adviser: Adviser | None
    session: str  # the adviser's session reference from the conversation state, if any
    # The raw platform address of the conversation: binds an adviser's session, never stored.
    address: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True)
class SignalServices:
    registry: AdviserRegistry
    intake: SignalIntake
    follow_up: ReporterFollowUp
    sessions: AdviserSessions
    desk: AdviserDesk
    absences: Absences
    kdf_pool: KdfPool  # every Argon2id runs here (receipts and adviser passphrases)
    counters: EventCounters
    secret_fingerprints: tuple[str, ...]  # the current secret's, then the previous one's
    outbox: Outbox  # notices to advisers, written with the change that causes them
    stats: StatsRecorder  # the yearly picture's counts, written apart from every signal
    unit_group: UnitGroup = no_unit_groups  # a unit's coarse group, if the organisation has any


class EffectRunner:
    def __init__(self, services: SignalServices) -> None:
        self._s = services

    async def run(self, effect: Effect, caller: Caller) -> Result:
        return replace(
            await self._outcome(effect, caller), session_minutes=self._s.sessions.minutes
        )

    async def _outcome(self, effect: Effect, caller: Caller) -> Result:
        try:
            return await self._run(effect, caller)
        except RateLimited as exc:
            return Result(error=exc.code)
        except ServerBusy:
            return Result(error="busy")
        except ReceiptNotFound:
            return Result(error="not_found")
        except WrongPassphrase:
            return Result(error="wrong_passphrase")
        except SessionExpired:
            return Result(error="locked")
        except NoAdviserAvailable:
            return Result(error="no_adviser")
        except InputError as exc:
            return Result(error=exc.code)
        except CryptoError as exc:
            # A seal that does not open for someone entitled to it: damage or tampering.
            log.error("sealed data could not be opened: %s", type(exc).__name__)
            return Result(error="damaged")

    async def _run(self, effect: Effect, caller: Caller) -> Result:
        s = self._s
        match effect:
            case LoadDirectory():
                return Result(directory=await self._directory())
            case SubmitSignal(content=content):
                receipt = await s.intake.submit(content)
                s.counters.count("signal_received")  # never a log line: it would mark the moment
                count_submitted(s.stats, content, s.unit_group)  # committed: memory only
                return Result(receipt=receipt.display())
            case ReadThread(receipt=receipt):
                return Result(view=await s.follow_up.read(receipt, caller.bucket))
            case AddToThread(receipt=receipt, text=text):
                await s.follow_up.add(receipt, caller.bucket, text)
                return Result()
            case DeleteSignal(receipt=receipt):
                await s.follow_up.delete(receipt, caller.bucket)
                return Result()
        return await self._adviser(effect, caller)

    async def _adviser(self, effect: Effect, caller: Caller) -> Result:
        s = self._s
        if caller.adviser is None:
            return Result(error="not_adviser")
        if isinstance(effect, Unlock):
            opened = await s.sessions.unlock(caller.adviser.id, effect.passphrase, caller.address)
            who = await s.sessions.resume(opened.reference, caller.address)
            inbox = tuple(await s.desk.inbox(who))
            return Result(session=opened.reference, inbox=inbox, failed_unlocks=opened.failed)
        who = await self._unlocked(caller)
        match effect:
            case ShowInbox():
                return Result(inbox=tuple(await s.desk.inbox(who)))
            case OpenSignal(signal_id=signal_id):
                return Result(view=await s.desk.open(who, signal_id))
            case ReplyToSignal(signal_id=signal_id, text=text, question=question):
                await s.desk.reply(who, signal_id, text, question=question)
                return Result()
            case CloseSignal(signal_id=signal_id, outcome=outcome):
                await s.desk.close(who, signal_id, outcome)
                return Result()
            case RecuseSignal(signal_id=signal_id):
                return Result(name=await s.desk.recuse(who, signal_id))
            case AcknowledgeSignal(signal_id=signal_id):
                return Result(due=await s.desk.acknowledge(who, signal_id))
            case SetAway(starts_on=starts_on, ends_on=ends_on):
                await s.absences.add(who.adviser_id, starts_on, ends_on)
                return Result()
            case Lock():
                await s.sessions.lock(caller.session)
                return Result()
        raise AssertionError(f"unhandled effect {type(effect).__name__}")

    async def _unlocked(self, caller: Caller) -> Unlocked:
        assert caller.adviser is not None
        if not caller.session:
            raise SessionExpired("not unlocked")
        who = await self._s.sessions.resume(caller.session, caller.address)
        if who.adviser_id != caller.adviser.id:
            raise SessionExpired("session of another adviser")
        return who

    async def _directory(self) -> Directory:
        # Only who could be chosen today: with everyone away the reporter is told before
        # writing anything, and the form offers no wish that nobody present can meet.
        advisers = await self._s.intake.available()
        return Directory(
            advisers=tuple((a.id, a.name) for a in advisers),
            units=tuple(sorted({u for a in advisers for u in a.units})),
            languages=tuple(sorted({lang for a in advisers for lang in a.languages})),
            attributes=tuple(sorted({x for a in advisers for x in a.attributes})),
        )
