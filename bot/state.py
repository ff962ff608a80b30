"""Per-conversation state in the database, keyed by a keyed hash, with an expiry."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, cast

from sqlalchemy import Boolean, DateTime, String, Text, bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import ClauseElement, Executable

from bot.core import Incoming
from bot.db import Base, as_utc, is_relaxed, retry_on_new_connection
from bot.errors import StorageError
from bot.router import Session
from bot.state_driver import STORAGE_ERRORS, CompiledStatement, sqlite_execute, sqlite_fetch_one
from dialogs.base import DialogState


class ConversationRow(Base):
    """No platform id, user id or message text is ever stored here: only a keyed hash."""

    __tablename__ = "conversations"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    lang: Mapped[str] = mapped_column(String(5))
    lang_chosen: Mapped[bool] = mapped_column(Boolean, default=False)
    dialog: Mapped[str] = mapped_column(String(40), default="")
    step: Mapped[str] = mapped_column(String(40), default="")
    data: Mapped[str] = mapped_column(Text, default="{}")
    adviser_session: Mapped[str] = mapped_column(String(64), default="")
    # The fixed categories (bot.stats.categories) this conversation was counted in, as
    # "measure/category" separated by spaces: never more than the fixed lists hold.
    counted: Mapped[str] = mapped_column(Text, default="")
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


_BY_KEY = select(
    ConversationRow.lang,
    ConversationRow.lang_chosen,
    ConversationRow.dialog,
    ConversationRow.step,
    ConversationRow.data,
    ConversationRow.adviser_session,
    ConversationRow.counted,
    ConversationRow.expires_at,
).where(ConversationRow.key == bindparam("key"))


# Rows deleted per transaction, and transactions per housekeeping round (every ten minutes):
# up to 240,000 expired conversations an hour, each transaction a few milliseconds.
PURGE_BATCH = 1000
PURGE_BATCHES = 40

# The keys come from the index on ``expires_at``. The outer condition repeats the expiry
# because on PostgreSQL a row saved (and so renewed) by a turn while this statement waits
# for its lock is re-checked against the outer WHERE only (READ COMMITTED's re-evaluation,
# postgresql.org/docs/current/transaction-iso.html): without it the renewed row would go.
_EXPIRED_KEYS = (
    select(ConversationRow.key)
    .where(ConversationRow.expires_at <= bindparam("now"))
    .limit(bindparam("batch"))
)
_EXPIRED = delete(ConversationRow).where(
    ConversationRow.key.in_(_EXPIRED_KEYS), ConversationRow.expires_at <= bindparam("now")
)


class ConversationStore:
    """Loads and saves sessions; an expired conversation starts afresh.

    Loads and saves go through the relaxed pool (:func:`bot.db.create_relaxed_engine`):
    one statement each, autocommitted, with relaxed durability (SQLite
    ``synchronous=NORMAL``, PostgreSQL ``synchronous_commit = off``): a power cut may forget
    where someone was in a dialog a moment ago, never a signal. Everything else in the
    database keeps full durability on ``engine``, where expired conversations are purged.
    """

    def __init__(
        self, engine: AsyncEngine, relaxed: AsyncEngine, secret: bytes, ttl: timedelta
    ) -> None:
        if not is_relaxed(relaxed):
            raise ValueError("conversation state needs the relaxed pool (create_relaxed_engine)")
        self._engine = engine
        self._relaxed_engine = relaxed
        self._secret = secret
        self._ttl = ttl
        self._sqlite = engine.dialect.name == "sqlite"
        self._upsert = _upsert(sqlite_insert if self._sqlite else postgresql_insert)
        # SQLite's hot path skips the adapter's per-statement hand-offs (bot.state_driver).
        self._by_key_sql: CompiledStatement | None = None
        self._upsert_sql: CompiledStatement | None = None
        if self._sqlite:
            self._by_key_sql = CompiledStatement.of(_BY_KEY, engine.dialect)
            self._upsert_sql = CompiledStatement.of(
                cast(ClauseElement, self._upsert), engine.dialect
            )
        self._writer: contextlib.AbstractAsyncContextManager[object] = (
            asyncio.Lock() if self._sqlite else contextlib.nullcontext()
        )

    @property
    def relaxed(self) -> AsyncEngine:
        """The relaxed pool, which the turn limit shares (bot.limits)."""
        return self._relaxed_engine

    @property
    def writes_queue(self) -> contextlib.AbstractAsyncContextManager[object]:
        """The queue this process's writes to the SQLite file wait in (a no-op otherwise).

        Writers on one SQLite file that do not share it collide, and SQLite's busy handler
        then sleeps for milliseconds; the turn limit, written on every turn too, joins it.
        """
        return self._writer

    def key(self, event: Incoming) -> str:
        message = f"conversation\x1f{event.channel.value}\x1f{event.conversation}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    async def load(self, key: str, now: datetime) -> Session | None:
        found = await self.load_with_expiry(key, now)
        return found[0] if found else None

    def stale(self, expires_at: datetime, now: datetime) -> bool:
        """True when an unchanged conversation should still be written to stay alive."""
        return expires_at - now < self._ttl / 2

    async def load_with_expiry(self, key: str, now: datetime) -> tuple[Session, datetime] | None:
        try:
            row = await self._read(key)
        except STORAGE_ERRORS as exc:
            raise StorageError("cannot read conversation state") from exc
        if row is None:
            return None
        lang, lang_chosen, dialog, step, data, adviser_session, counted, expires_at = row
        expires = as_utc(cast(datetime, expires_at))
        if expires <= now:
            return None
        state = DialogState(str(dialog), str(step), MappingProxyType(_decode(str(data))))
        words = frozenset(str(counted).split())
        session = Session(str(lang), bool(lang_chosen), state, str(adviser_session), words)
        return session, expires

    async def _read(self, key: str) -> tuple[object, ...] | None:
        return await retry_on_new_connection(self._relaxed_engine, lambda c: self._select(c, key))

    async def _select(self, connection: AsyncConnection, key: str) -> tuple[object, ...] | None:
        if self._by_key_sql is not None:
            return await sqlite_fetch_one(connection, self._by_key_sql, {"key": key})
        found = (await connection.execute(_BY_KEY, {"key": key})).one_or_none()
        return None if found is None else tuple(found)

    async def save(self, key: str, session: Session, now: datetime) -> None:
        values = {
            "lang": session.lang,
            "lang_chosen": session.lang_chosen,
            "dialog": session.state.dialog,
            "step": session.state.step,
            "data": json.dumps(dict(session.state.data), ensure_ascii=False),
            "adviser_session": session.adviser_session,
            "counted": " ".join(sorted(session.counted)),
            "expires_at": _next_hour(now + self._ttl),
        }
        try:
            # SQLite has one writer at a time; queueing here is cheaper than its busy
            # handler, which sleeps for milliseconds when writers collide.
            async with self._writer:
                await retry_on_new_connection(
                    self._relaxed_engine, lambda c: self._write(c, {"key": key, **values})
                )
        except STORAGE_ERRORS as exc:
            raise StorageError("cannot save conversation state") from exc

    async def _write(self, connection: AsyncConnection, values: dict[str, object]) -> None:
        if self._upsert_sql is not None:
            await sqlite_execute(connection, self._upsert_sql, values)
        else:
            await connection.execute(self._upsert, values)

    async def purge_expired(
        self, now: datetime, *, batch: int = PURGE_BATCH, batches: int = PURGE_BATCHES
    ) -> int:
        """Delete expired conversations, ``batch`` rows per short transaction, at most
        ``batches`` transactions per call; what is left goes in the next housekeeping round.

        One unbounded ``DELETE`` holds SQLite's only write lock (and PostgreSQL's row locks)
        for as long as it takes, however many rows expired: every turn waits behind it.
        """
        purged = 0
        for _ in range(batches):
            try:
                async with self._writer, self._engine.begin() as connection:
                    result = await connection.execute(_EXPIRED, {"now": now, "batch": batch})
            except SQLAlchemyError as exc:
                raise StorageError("cannot purge expired conversations") from exc
            deleted = int(result.rowcount or 0)
            purged += deleted
            if deleted < batch:
                break
            await asyncio.sleep(0)  # turns queued behind the writer go before the next batch
        return purged


def _upsert(insert: Callable[[type[ConversationRow]], Any]) -> Executable:
    """Built once with bind parameters, so SQLAlchemy compiles it once (its statement cache)."""
    columns = (
        "lang",
        "lang_chosen",
        "dialog",
        "step",
        "data",
        "adviser_session",
        "counted",
        "expires_at",
    )
    statement = insert(ConversationRow).values(
        key=bindparam("key"), **{name: bindparam(name) for name in columns}
    )
    return cast(
        Executable,
        statement.on_conflict_do_update(
            index_elements=["key"], set_={name: statement.excluded[name] for name in columns}
        ),
    )


def _decode(raw: str) -> dict[str, str]:
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items()}


def _next_hour(moment: datetime) -> datetime:
    """Round up to the hour, so the row does not tell when the last message came in."""
    return moment.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
