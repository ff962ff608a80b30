"""The conversation service: one turn = load the session, route, carry out, save, reply."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Protocol

from bot.core import DEFAULT_LANGUAGE, Channel, Incoming, Reply, language_of
from bot.effects import Caller, EffectRunner
from bot.errors import MeldwijzerError, StorageError
from bot.router import Outcome, Router, Session
from bot.signals.registry import Adviser, AdviserRegistry
from bot.state import ConversationStore
from bot.stats.recorder import StatsRecorder

log = logging.getLogger("meldwijzer.conversation")


def utc_now() -> datetime:
    return datetime.now(UTC)


class TurnObserver(Protocol):
    """Told how long each turn took and how much of it its effect took (``bot.metrics``)."""

    def turn_ended(self, channel: Channel, seconds: float, effect_seconds: float) -> None: ...


@dataclass(slots=True)
class _TurnTime:
    """The time one turn spent in its effect (0 when it ran none), and whether it ran one."""

    in_effect: float = 0.0
    ran_effect: bool = False


class ConversationService:
    """Every channel's turn handler. Errors become one apology; nothing half-saved."""

    def __init__(
        self,
        router: Router,
        store: ConversationStore,
        registry: AdviserRegistry,
        effects: EffectRunner,
        clock: Callable[[], datetime] = utc_now,
        stats: StatsRecorder | None = None,
        observer: TurnObserver | None = None,
    ) -> None:
        self._router = router
        self._store = store
        self._registry = registry
        self._effects = effects
        self._clock = clock
        self._stats = stats
        self._observer = observer

    async def handle(self, incoming: Incoming) -> Sequence[Reply]:
        started, spent = time.perf_counter(), _TurnTime()
        replies = await self._handle(incoming, spent)
        if self._observer is not None:
            seconds = time.perf_counter() - started
            self._observer.turn_ended(incoming.channel, seconds, spent.in_effect)
        if self._stats is not None:
            # Outside the turn's timing: a write of counts is no part of answering.
            await self._stats.turn_ended()
        return replies

    async def _handle(self, incoming: Incoming, spent: _TurnTime) -> Sequence[Reply]:
        now = self._clock()
        key = self._store.key(incoming)
        lang = language_of(incoming.locale) or DEFAULT_LANGUAGE
        try:
            found = await self._store.load_with_expiry(key, now)
            session = found[0] if found else Session(lang=lang)
            lang = session.lang
            adviser = await self._registry.by_address(incoming.channel, incoming.sender)
            outcome = await self._turn(incoming, session, key, adviser, spent)
            # Advisers' own conversations are not part of the yearly picture.
            counts = () if adviser else _new_counts(incoming, found is None, outcome)
            next_session = outcome.session
            if counts:
                counted = {f"{measure}/{category}" for measure, category in counts}
                next_session = replace(next_session, counted=next_session.counted | counted)
            # An unchanged conversation is written only to keep it from expiring.
            fresh = found is not None and not self._store.stale(found[1], now)
            saving = outcome.changed and not (fresh and next_session == session)
            if saving and await self._save(incoming, key, next_session, now, spent):
                self._count(counts)  # only once the conversation that shows them is saved
        except MeldwijzerError as exc:
            # Never the message text or ids: only what kind of failure it was.
            log.error("turn failed on %s: %s", incoming.channel.value, type(exc).__name__)
            return (self._router.apology(lang, incoming),)
        return outcome.replies

    async def _save(
        self, incoming: Incoming, key: str, session: Session, now: datetime, spent: _TurnTime
    ) -> bool:
        try:
            await self._store.save(key, session, now)
        except StorageError:
            if not spent.ran_effect:
                raise
            # What the effect did is done and committed (a signal stored, its receipt in the
            # replies, shown once): the person sees it. Where they were in the dialog may be
            # forgotten, the next message is read from the last saved step.
            log.error("turn on %s: effect done, conversation not saved", incoming.channel.value)
            return False
        return True

    def _count(self, counts: Sequence[tuple[str, str]]) -> None:
        if self._stats is not None:
            for measure, category in counts:
                self._stats.add(measure, category)

    async def _turn(
        self,
        incoming: Incoming,
        session: Session,
        key: str,
        adviser: Adviser | None,
        spent: _TurnTime,
    ) -> Outcome:
        name = adviser.name if adviser else ""
        outcome = self._router.route(incoming, session, name)
        if outcome.effect is None:
            return outcome
        caller = Caller(
            bucket=key,
            adviser=adviser,
            session=session.adviser_session,
            address=f"{incoming.channel.value}\x1f{incoming.conversation}",
        )
        started = time.perf_counter()
        spent.ran_effect = True
        try:
            result = await self._effects.run(outcome.effect, caller)
        finally:
            spent.in_effect = time.perf_counter() - started
        done = self._router.after(incoming, outcome, result, name)
        if done.effect is not None:
            raise MeldwijzerError("a dialog asked for two effects in one turn")
        return replace(done, changed=True)


def _new_counts(incoming: Incoming, new: bool, outcome: Outcome) -> tuple[tuple[str, str], ...]:
    """What this turn showed that the conversation was not counted in yet (each once)."""
    shown = list(outcome.counts)
    if new:
        shown[:0] = [("conversations", incoming.channel.value), ("funnel", "conversation")]
    already = outcome.session.counted
    fresh: list[tuple[str, str]] = []
    for measure, category in shown:
        if f"{measure}/{category}" not in already and (measure, category) not in fresh:
            fresh.append((measure, category))
    return tuple(fresh)
