"""Tables of the outbox: notices waiting to be sent, what each one tells of, digests run.

A notice row holds ids and a kind, never content. It is written in the same transaction as
the change that causes it (a new signal, a reporter's message, a reassignment), so a crash
either keeps both or neither. Its only time is ``next_attempt_at``: first the fixed notice
time it waits for (never the moment the reporter acted), later the moment of a retry. Keys
are random and the tables have no rowid on SQLite, so neither tells in which order they
were written (see ``bot.signals.models.NO_ROWID``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base
from bot.signals.models import NO_ROWID

# Statuses of a notice. ``sending`` is held under a lease; an expired lease is due again.
PENDING, SENDING, SENT, DEAD = "pending", "sending", "sent", "dead"
# Kinds of notice: gathered items for one adviser and notice time, or a daily digest.
NOTICE, DIGEST = "notice", "digest"
# What a notice item tells of.
NEW_SIGNAL, NEW_MESSAGE, REASSIGNED = "new_signal", "new_message", "reassigned"
# The recipient of the admin's digest, in place of an adviser id.
ADMIN = "admin"


class DeliveryRow(Base):
    """One message to one recipient through one channel, sent at most once."""

    __tablename__ = "deliveries"
    __table_args__ = NO_ROWID

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(String(32), index=True)  # adviser id or "admin"
    channel: Mapped[str] = mapped_column(String(20))  # teams | email | mattermost | log
    # A digest's local date; a notice's local date of its notice time.
    local_date: Mapped[date] = mapped_column(Date)
    # sha256 of what makes the message unique; the channel gets it where it can (e-mail
    # Message-ID, Mattermost pending_post_id) so a retried send is recognised as one.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(10), default=PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)


class DeliveryItemRow(Base):
    """One thing a notice tells of: a new signal, a reporter's message, a signal handed over.

    ``item_key`` is the event's idempotency key: the same event is never told twice to the
    same recipient through the same channel. Deleting the signal deletes its items.
    """

    __tablename__ = "delivery_items"
    __table_args__ = NO_ROWID

    item_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    delivery_id: Mapped[str] = mapped_column(
        ForeignKey("deliveries.id", ondelete="CASCADE"), index=True
    )
    signal_id: Mapped[str] = mapped_column(ForeignKey("signals.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))


class DigestRunRow(Base):
    """The digest of one recipient and local date was started; the unique key makes it once."""

    __tablename__ = "digest_runs"

    recipient: Mapped[str] = mapped_column(String(32), primary_key=True)
    local_date: Mapped[date] = mapped_column(Date, primary_key=True)
