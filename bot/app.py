"""``create_app``: builds everything once and hands it down. No module-level singletons."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adapters.mattermost import setup_mattermost
from adapters.teams import PUBLIC_CLOUD, TeamsEndpoints, TeamsNoticeChannel, setup_teams
from adapters.webchat import ConversationTokens, setup_webchat
from bot import migrate
from bot.compaction import DailyRewrite
from bot.conversation import ConversationService, utc_now
from bot.counters import EventCounters
from bot.db import create_engine, create_relaxed_engine, session_factory, sqlite_url
from bot.delivery import NoticeTasks, notice_channels
from bot.demo import seed_demo_adviser
from bot.effects import EffectRunner, SignalServices
from bot.errors import ConfigError, StorageError
from bot.health import HEALTH, DatabaseProbe, Health, channel_states, mount_health
from bot.knowledge_settings import load_knowledge
from bot.limits import TURN_WINDOW_SECONDS, LimitWrites, SharedTurnLimit, purge_stale_windows
from bot.metrics import AppMetrics, setup_metrics
from bot.metrics.channels import channel_health
from bot.outbox.enqueue import Outbox
from bot.outbox.port import EMAIL, MATTERMOST, TEAMS, NoticeChannel
from bot.outbox.schedule import NoticeSchedule
from bot.preflight import check_production
from bot.recovery import recovery_public_key
from bot.retention import purge_closed_signals
from bot.router import Router
from bot.routing.availability import Absences
from bot.seal import KdfParams, KdfPool, ReceiptIndex
from bot.seal.kdf_pool import default_workers
from bot.secret import guard_secret, previous_secret, server_secret
from bot.settings import Settings
from bot.signals.attempts import ReceiptLimits
from bot.signals.audit import AuditChain
from bot.signals.desk import AdviserDesk
from bot.signals.followup import ReporterFollowUp
from bot.signals.intake import SignalIntake
from bot.signals.registry import AdviserRegistry
from bot.signals.unlock import AdviserSessions
from bot.signals.writer import SignalWriter
from bot.state import ConversationStore
from bot.stats.recorder import StatsRecorder, flush_minutes
from bot.stats.unit_groups import UnitGroups
from bot.stopping import Stopping, looping
from bot.throttle import TokenBucket
from dialogs.messages import Messages
from dialogs.registry import all_dialogs
from knowledge.base import KnowledgeBase

log = logging.getLogger("meldwijzer.app")
HOUSEKEEPING_EVERY_SECONDS = 600


@dataclass(frozen=True, slots=True)
class Services:
    """What the channels and the CLI share; built once per process."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    knowledge: KnowledgeBase
    conversations: ConversationService
    store: ConversationStore
    signals: SignalServices
    metrics: AppMetrics

    async def close(self) -> None:
        """Close both pools: the app's and the relaxed one of every turn (bot.db)."""
        try:
            await self.store.relaxed.dispose()
        finally:
            await self.engine.dispose()


SERVICES = web.AppKey("services", Services)
NOTICE_CHANNELS = web.AppKey("notice_channels", Sequence[NoticeChannel])


def prepare_data_dir(path: Path) -> None:
    """Create the embedded default's folder (mode 0700) or say clearly why it can't be used."""
    if path.exists() and not path.is_dir():
        raise ConfigError(f"MELDWIJZER_DATA_DIR points to a file, not a folder: {path}")
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise ConfigError(f"cannot create the data folder {path}: {exc.strerror}") from None


def today() -> date:
    return utc_now().date()


def enabled_channels(settings: Settings) -> frozenset[str]:
    """The notice channels this deployment can send through (the serve log always)."""
    enabled = set()
    if settings.teams_enabled and settings.teams_app_id:
        enabled.add(TEAMS)
    if settings.smtp_host:
        enabled.add(EMAIL)
    if settings.mattermost_enabled:
        enabled.add(MATTERMOST)
    return frozenset(enabled)


def build_signal_services(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    secret: bytes,
    now: Callable[[], datetime] = utc_now,
) -> SignalServices:
    """``now`` is the clock of this replica; signals only ever see its date."""

    def on() -> date:
        return now().date()

    kdf = KdfParams(settings.kdf_memory_kib, settings.kdf_iterations)
    pool = KdfPool(
        settings.kdf_workers or default_workers(), settings.kdf_queue, settings.kdf_wait_seconds
    )
    registry = AdviserRegistry(
        sessions,
        kdf,
        recovery_public_key(settings.recovery_public_key),
        allow_demo_passphrase=not settings.production,
        pool=pool,
    )
    previous = settings.previous_secret.get_secret_value() if settings.previous_secret else None
    index = ReceiptIndex(secret, kdf, previous_secret(previous))
    # This process's own: it bounds this process's Argon2id work (bot/throttle.py says why
    # it is not shared through the database).
    submissions = TokenBucket(settings.signals_per_minute, settings.signals_burst)
    writer = SignalWriter(sessions)
    limits = ReceiptLimits(
        sessions,
        writer,
        secret,
        (settings.receipt_attempts_per_conversation, settings.receipt_opens_per_signal),
    )
    audit = AuditChain(secret)
    outbox = Outbox(NoticeSchedule.of(settings), enabled_channels(settings))
    minutes = settings.adviser_session_minutes
    stats = StatsRecorder(
        sessions, settings.organisation, settings.zone, now, flush_minutes(settings)
    )
    return SignalServices(
        registry=registry,
        intake=SignalIntake(sessions, registry, index, (pool, submissions), writer, outbox, now),
        follow_up=ReporterFollowUp(
            sessions, index, pool, limits, writer, on, now, (outbox, registry), stats
        ),
        sessions=AdviserSessions(sessions, registry, secret, now, minutes, audit, pool=pool),
        desk=AdviserDesk(sessions, registry, on, audit, outbox=outbox, now=now, tally=stats),
        outbox=outbox,
        absences=Absences(
            sessions, registry, audit, on, settings.long_absence_days, outbox=outbox, now=now
        ),
        kdf_pool=pool,
        counters=EventCounters(),
        secret_fingerprints=index.fingerprints,
        stats=stats,
        unit_group=UnitGroups.load(settings.knowledge_dir).group_of,  # statistics.toml, if any
    )


def build_conversations(
    settings: Settings,
    knowledge: KnowledgeBase,
    store: ConversationStore,
    signals: SignalServices,
    now: Callable[[], datetime] = utc_now,
    metrics: AppMetrics | None = None,
) -> ConversationService:
    """The turn handler every channel gets: router, state, adviser register and effects."""
    router = Router(
        knowledge,
        Messages.load(),
        all_dialogs(),
        max_chars=settings.max_message_chars,
        webchat_url=settings.webchat_url,
    )
    effects = EffectRunner(signals)
    observer = metrics.turns if metrics else None
    return ConversationService(
        router, store, signals.registry, effects, now, stats=signals.stats, observer=observer
    )


def secret_of(settings: Settings) -> bytes:
    """``MELDWIJZER_SECRET``, or the one generated into the data folder in development."""
    given = settings.secret.get_secret_value() if settings.secret else None
    return server_secret(given, settings.data_dir)


def build_services(settings: Settings) -> Services:
    check_production(settings)
    if settings.database_url is None:
        prepare_data_dir(settings.data_dir)
    secret = secret_of(settings)
    engine = create_engine(settings.database_url or sqlite_url(settings.data_dir))
    sessions = session_factory(engine)
    knowledge = load_knowledge(settings)
    relaxed = create_relaxed_engine(settings.database_url or sqlite_url(settings.data_dir))
    ttl = timedelta(minutes=settings.conversation_ttl_minutes)
    store = ConversationStore(engine, relaxed, secret, ttl)
    signals = build_signal_services(settings, sessions, secret)
    metrics = AppMetrics()
    conversations = build_conversations(settings, knowledge, store, signals, metrics=metrics)
    return Services(settings, engine, sessions, knowledge, conversations, store, signals, metrics)


async def prepare_database(services: Services, *, seed_demo: bool = False) -> None:
    """Upgrade an embedded SQLite; a shared database must be upgraded on purpose.

    ``seed_demo``: the ways a newcomer tries the bot (serve, chat) add a demo adviser to an
    empty register in development; the admin's own commands never do.
    """
    if services.settings.database_url is None or services.engine.dialect.name == "sqlite":
        await migrate.upgrade(services.engine)
    else:
        current = await migrate.current_revision(services.engine)
        if current != migrate.head_revision():
            raise StorageError("the database schema is not up to date: run `meldwijzer db upgrade`")
    await guard_secret(
        services.sessions,
        services.signals.secret_fingerprints,
        production=services.settings.production,
    )
    await check_demo_advisers(services, seed=seed_demo)


async def check_demo_advisers(services: Services, *, seed: bool) -> None:
    """Production refuses demo advisers; development seeds one so a newcomer can try it all."""
    advisers = await services.signals.registry.all()
    demos = [a for a in advisers if a.demo and a.active]
    if services.settings.production:
        if demos:
            raise ConfigError(
                "refusing to start in production:\n  - a demo adviser is active; "
                "run `meldwijzer adviser disable demo` first"
            )
        return
    if seed and not advisers and services.settings.demo_adviser:
        await seed_demo_adviser(services.signals.registry)


def create_app(
    settings: Settings, *, teams_endpoints: TeamsEndpoints = PUBLIC_CLOUD
) -> web.Application:
    """The whole bot as an aiohttp app; ``teams_endpoints`` points Teams at another cloud."""
    services = build_services(settings)
    app = web.Application(client_max_size=64 * 1024)
    app[SERVICES] = services
    app.cleanup_ctx.append(_lifetime)
    mattermost = None
    if settings.mattermost_enabled:  # mounted below; /healthz reads its state when asked
        mattermost = setup_mattermost(
            app, services.conversations, settings, services.sessions, secret_of(settings)
        )
    states = channel_states(mattermost.health if mattermost else None)
    mount_health(app, Health(DatabaseProbe(services.engine), states))
    # The turn limit lives in the database, so every replica counts the same turns; checked
    # on every turn, it shares the relaxed pool of the conversation state (bot.limits.writes).
    # The bucket of new conversations is this process's own, like the signal bucket
    # (bot/throttle.py).
    limits = LimitWrites(services.store.relaxed, autocommit=True, queue=services.store.writes_queue)
    setup_webchat(
        app,
        services.conversations,
        max_message_chars=settings.max_message_chars,
        limiter=SharedTurnLimit(limits, secret_of(settings)),
        new_conversations=TokenBucket(
            settings.new_conversations_per_minute, settings.new_conversations_burst
        ),
        body_timeout_seconds=settings.http_body_timeout_seconds,
        tokens=ConversationTokens.from_secret(
            secret_of(settings), ttl_minutes=settings.conversation_ttl_minutes
        ),
    )
    chat_channels: list[NoticeChannel] = []
    mattermost_health = None
    if settings.teams_enabled:
        teams = setup_teams(
            app, services.conversations, settings, services.sessions, endpoints=teams_endpoints
        )
        chat_channels.append(TeamsNoticeChannel(teams.notifier, settings.teams_tenant_id))
    if mattermost is not None:
        chat_channels.append(mattermost.notices)
        mattermost_health = mattermost.health
    elif settings.mattermost_url or settings.mattermost_token:
        log.warning(
            "Mattermost is off: set both MELDWIJZER_MATTERMOST_URL and MELDWIJZER_MATTERMOST_TOKEN"
        )
    app[NOTICE_CHANNELS] = notice_channels(settings, *chat_channels)
    health = channel_health(enabled_channels(settings), mattermost_health)
    setup_metrics(app, services.metrics, services.sessions, settings, health)
    return app


async def _lifetime(app: web.Application) -> AsyncIterator[None]:
    services = app[SERVICES]
    # The topic classifier learns before the port opens, off the event loop: the first person
    # to write should not wait seconds for it, nor hold up everyone else's answers.
    await asyncio.to_thread(services.knowledge.matcher.warm)
    await prepare_database(services, seed_demo=True)
    notices = NoticeTasks.build(
        services.settings, services.sessions, services.signals.outbox, app[NOTICE_CHANNELS]
    )
    stopping = Stopping()
    stats = services.signals.stats
    async with looping(
        _housekeeping(services, stopping),
        *notices.loops(stopping),
        stats.run(stopping),
        _forget_ended_windows(services.engine, stopping),
        stopping=stopping,
    ):
        yield
    await stats.flush()  # a graceful stop keeps what was counted since the last flush
    await app[HEALTH].close()
    await services.close()
    services.signals.kdf_pool.close()


async def _forget_ended_windows(engine: AsyncEngine, stopping: Stopping) -> None:
    """Every minute, delete the turn windows that have ended (bounded, ``bot.limits``).

    A window row holds the second its window began. Kept only while it runs, the table
    shows no more than which conversations were active in the last minute or two, never
    the moment of an older turn (docs/security.md).
    """
    while not stopping.requested:
        try:
            await purge_stale_windows(engine, time.time(), older_than=TURN_WINDOW_SECONDS)
        except StorageError as exc:
            log.warning("forgetting ended turn windows failed: %s", exc)
        await stopping.pause(TURN_WINDOW_SECONDS)


async def _housekeeping(services: Services, stopping: Stopping) -> None:
    """Expired conversations and adviser sessions, closed signals past retention, the key
    wraps of advisers disabled longer ago than the grace period, stale rate-limit windows;
    then, once a day, SQLite rewritten in key order (``bot.compaction``)."""
    rewrite = DailyRewrite(services.engine)
    settings, signals = services.settings, services.signals
    steps: tuple[Callable[[], Awaitable[object]], ...] = (
        lambda: services.store.purge_expired(utc_now()),  # bounded per round (bot/state.py)
        signals.sessions.purge_expired,
        lambda: signals.desk.remove_lapsed_wraps(settings.disabled_wrap_grace_days),
        lambda: signals.follow_up.purge_counters(utc_now()),
        lambda: purge_stale_windows(services.engine, time.time()),  # the minute loop's backstop
        lambda: purge_closed_signals(services.sessions, today(), settings.retention_days),
        lambda: signals.absences.hand_over_absent(today()),
    )
    while not stopping.requested:
        # Each step on its own: one that fails (a lock timeout, a broken table) is logged
        # and retried next round, and does not keep the others from running.
        for step in steps:
            try:
                await step()
            except StorageError as exc:
                log.warning("housekeeping failed: %s", exc)
        await rewrite.run_if_due(utc_now())
        await stopping.pause(HOUSEKEEPING_EVERY_SECONDS)
