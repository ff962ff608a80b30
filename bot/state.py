"""Per-conversation state in the database, keyed by a keyed hash, with an expiry."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta
from types import MappingProxyType

from sqlalchemy import Boolean, DateTime, String, Text, bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from bot.core import Incoming
from bot.db import Base, as_utc
from bot.errors import StorageError
from bot.router import Session
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
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


_BY_KEY = select(
    ConversationRow.lang,
    ConversationRow.lang_chosen,
    ConversationRow.dialog,
    ConversationRow.step,
    ConversationRow.data,
    ConversationRow.adviser_session,
    ConversationRow.expires_at,
).where(ConversationRow.key == bindparam("key"))


class ConversationStore:
    """Loads and saves sessions; an expired conversation starts afresh."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], secret: bytes, ttl: timedelta
    ) -> None:
        self._sessions = sessions
        self._secret = secret
        self._ttl = ttl

    def key(self, event: Incoming) -> str:
        message = f"conversation\x1f{event.channel.value}\x1f{event.conversation}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    async def load(self, key: str, now: datetime) -> Session | None:
        try:
            async with self._sessions() as db:
                row = (await db.execute(_BY_KEY, {"key": key})).one_or_none()
        except SQLAlchemyError as exc:
            raise StorageError("cannot read conversation state") from exc
        if row is None or as_utc(row.expires_at) <= now:
            return None
        state = DialogState(row.dialog, row.step, MappingProxyType(_decode(row.data)))
        return Session(row.lang, row.lang_chosen, state, row.adviser_session)

    async def save(self, key: str, session: Session, now: datetime) -> None:
        values = {
            "lang": session.lang,
            "lang_chosen": session.lang_chosen,
            "dialog": session.state.dialog,
            "step": session.state.step,
            "data": json.dumps(dict(session.state.data), ensure_ascii=False),
            "adviser_session": session.adviser_session,
            "expires_at": _next_hour(now + self._ttl),
        }
        try:
            async with self._sessions.begin() as db:
                # One upsert statement instead of ORM merge (a read, then a write): a turn is
                # one read and one write, whatever the database.
                dialect = db.get_bind().dialect.name
                insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
                statement = insert(ConversationRow).values(key=key, **values)
                await db.execute(
                    statement.on_conflict_do_update(index_elements=["key"], set_=values)
                )
        except SQLAlchemyError as exc:
            raise StorageError("cannot save conversation state") from exc

    async def purge_expired(self, now: datetime) -> int:
        try:
            async with self._sessions.begin() as db:
                result = await db.execute(
                    delete(ConversationRow).where(ConversationRow.expires_at <= now)
                )
        except SQLAlchemyError as exc:
            raise StorageError("cannot purge expired conversations") from exc
        return int(getattr(result, "rowcount", 0) or 0)

    async def count(self) -> int:
        async with self._sessions() as db:
            return len((await db.execute(select(ConversationRow.key))).all())


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
