"""From a delivery row to the words it carries and the address it goes to.

The worker asks this at send time, so a notice counts only what is still there (a deleted
signal takes its items with it) and a digest lists the desk as it is on its own date. The
link is a Teams deep link to the bot where Teams is set up; otherwise the terminal command
that opens the desk, because the web chat has no adviser desk.
"""

from __future__ import annotations

import shlex
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.outbox.desk_state import admin_sections, adviser_sections, has_news
from bot.outbox.models import ADMIN, DIGEST, NOTICE, DeliveryItemRow, DeliveryRow
from bot.outbox.port import EMAIL, LOG, MATTERMOST, TEAMS, Notice
from bot.outbox.texts import Section, Text, digest_text, language, notice_text
from bot.settings import Settings
from bot.signals.models import AdviserRow, SignalRow

# https://learn.microsoft.com/microsoftteams/platform/concepts/build-and-test/deep-link-teams
# ("deep link to a chat with the bot": users=28:<the bot's app id>).
TEAMS_CHAT = "https://teams.microsoft.com/l/chat/0/0?users=28:{app_id}"
ADMIN_COMMAND = "meldwijzer outbox list --dead"
ADMIN_LANGUAGE = "nl"


class NoticeComposer:
    """Implements the outbox worker's composer port (``bot.outbox.worker``)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    async def compose(
        self, db: AsyncSession, delivery: DeliveryRow, items: list[DeliveryItemRow]
    ) -> Notice | None:
        """The notice to send, or None when nothing is left to tell (mark it sent)."""
        adviser = None
        if delivery.recipient != ADMIN:
            adviser = await db.get(AdviserRow, delivery.recipient)
            if adviser is None or not adviser.active:
                return None  # removed or disabled: their signals went to others
        lang = ADMIN_LANGUAGE if adviser is None else language(adviser.languages.split(","))
        where = ADMIN_COMMAND if adviser is None else self.where(adviser)
        if delivery.kind == NOTICE:
            count = await _still_open(db, items)
            text = notice_text(lang, count, where) if count else None
        elif delivery.kind == DIGEST:
            text = await self._digest(db, adviser, delivery.local_date, lang, where)
        else:
            raise ValueError(f"unknown delivery kind {delivery.kind!r}")
        if text is None:
            return None
        return Notice(delivery.idempotency_key, lang, text.subject, text.body, where)

    async def address(self, db: AsyncSession, delivery: DeliveryRow) -> str | None:
        """Where the channel sends it; None when the recipient has no such address any more."""
        if delivery.recipient == ADMIN:
            return {EMAIL: self._settings.admin_email, LOG: ADMIN}.get(delivery.channel)
        adviser = await db.get(AdviserRow, delivery.recipient)
        if adviser is None or not adviser.active:
            return None
        return {
            TEAMS: adviser.teams_id,
            EMAIL: adviser.email,
            MATTERMOST: adviser.mattermost_id,
            LOG: f"{adviser.name} ({adviser.id})",
        }.get(delivery.channel)

    def where(self, adviser: AdviserRow) -> str:
        """The bot's chat in Teams for an adviser who uses Teams; else the desk's command."""
        if self._settings.teams_app_id and adviser.teams_id:
            return TEAMS_CHAT.format(app_id=self._settings.teams_app_id)
        return f"meldwijzer adviser inbox {shlex.quote(adviser.name)}"

    async def _digest(
        self, db: AsyncSession, adviser: AdviserRow | None, day: date, lang: str, where: str
    ) -> Text | None:
        sections: list[Section]
        if adviser is None:
            sections = await admin_sections(db, day)
        else:
            sections = await adviser_sections(db, adviser.id, day)
        if not has_news(sections) and not self._settings.digest_when_empty:
            return None
        return digest_text(lang, day, sections, where)


async def _still_open(db: AsyncSession, items: list[DeliveryItemRow]) -> int:
    """Items whose signal is still there and open: the rest is nothing to tell any more."""
    if not items:
        return 0
    query = select(SignalRow.id).where(
        SignalRow.id.in_({item.signal_id for item in items}), SignalRow.status == "open"
    )
    still = set((await db.execute(query)).scalars())
    return sum(1 for item in items if item.signal_id in still)
