"""Stored 1:1 conversations with advisers, so a notice does not create a new chat each time.

Only advisers are ever stored here: a row is written only by :class:`TeamsNotifier` after it
opened (or used) a conversation with a registered adviser. Reporters' conversations are never
written anywhere by the Teams channel. The date is kept without a time (see DESIGN.md,
"Metadata: dates only").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Date, String, delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base
from bot.errors import StorageError


class AdviserConversationRow(Base):
    __tablename__ = "teams_adviser_conversations"

    adviser_aad_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(512))
    service_url: Mapped[str] = mapped_column(String(512))
    stored_on: Mapped[dt.date] = mapped_column(Date)


@dataclass(frozen=True, slots=True)
class AdviserConversation:
    adviser_aad_id: str
    tenant_id: str
    conversation_id: str
    service_url: str


class AdviserConversationStore:
    """Reads and writes :class:`AdviserConversationRow`; database errors become StorageError."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def find(self, adviser_aad_id: str, tenant_id: str) -> AdviserConversation | None:
        query = select(AdviserConversationRow).where(
            AdviserConversationRow.adviser_aad_id == adviser_aad_id,
            AdviserConversationRow.tenant_id == tenant_id,
        )
        try:
            async with self._sessions() as session:
                row = (await session.execute(query)).scalar_one_or_none()
        except SQLAlchemyError as exc:
            raise StorageError("cannot read Teams adviser conversations") from exc
        if row is None:
            return None
        return AdviserConversation(
            row.adviser_aad_id, row.tenant_id, row.conversation_id, row.service_url
        )

    async def save(self, reference: AdviserConversation) -> None:
        row = AdviserConversationRow(
            adviser_aad_id=reference.adviser_aad_id,
            tenant_id=reference.tenant_id,
            conversation_id=reference.conversation_id,
            service_url=reference.service_url,
            stored_on=dt.datetime.now(dt.UTC).date(),
        )
        try:
            async with self._sessions() as session, session.begin():
                await session.merge(row)
        except SQLAlchemyError as exc:
            raise StorageError("cannot store a Teams adviser conversation") from exc

    async def drop(self, adviser_aad_id: str, tenant_id: str) -> None:
        statement = delete(AdviserConversationRow).where(
            AdviserConversationRow.adviser_aad_id == adviser_aad_id,
            AdviserConversationRow.tenant_id == tenant_id,
        )
        try:
            async with self._sessions() as session, session.begin():
                await session.execute(statement)
        except SQLAlchemyError as exc:
            raise StorageError("cannot drop a Teams adviser conversation") from exc
