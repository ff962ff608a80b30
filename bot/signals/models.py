"""Tables for advisers and sealed signals.

No table used for anonymous signals has a column for a user, conversation, name or
time: signals and messages carry dates only, and their content is ciphertext.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base


class AdviserRow(Base):
    """A confidential adviser; the keyring holds the passphrase-wrapped private key."""

    __tablename__ = "advisers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    languages: Mapped[str] = mapped_column(String(50), default="nl")
    units: Mapped[str] = mapped_column(String(500), default="")
    attributes: Mapped[str] = mapped_column(String(500), default="")
    teams_id: Mapped[str | None] = mapped_column(String(100), unique=True, nullable=True)
    mattermost_id: Mapped[str | None] = mapped_column(String(100), unique=True, nullable=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)  # for notices
    public_key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    keyring: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The date ``adviser disable`` ran; their wraps are removed a grace period later.
    disabled_on: Mapped[date | None] = mapped_column(Date, nullable=True)


# SQLite gives every ordinary table a rowid that grows with each insert, which would tell
# the order in which signals and messages came in; WITHOUT ROWID tables are stored in
# primary-key order instead (https://www.sqlite.org/withoutrowid.html), and our keys are
# random across signals. PostgreSQL ignores the option; see docs/security.md for what its
# heap order and system columns still show.
NO_ROWID = {"sqlite_with_rowid": False}

# How a signal's receipt finds and unwraps it: 1 = schema 0003 (one Argon2id per look-up,
# deployment salt; read-only, moved to 2 on first open), 2 = fast keyed index and an
# Argon2id run with this row's salt and parameters (bot.seal.index).
LEGACY_SCHEME = 1
RECEIPT_SCHEME = 2


class SignalRow(Base):
    __tablename__ = "signals"
    __table_args__ = NO_ROWID

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    lookup_key: Mapped[bytes | None] = mapped_column(LargeBinary, unique=True, nullable=True)
    legacy_lookup_key: Mapped[bytes | None] = mapped_column(LargeBinary, unique=True, nullable=True)
    receipt_scheme: Mapped[int] = mapped_column(Integer, default=RECEIPT_SCHEME)
    receipt_salt: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    receipt_kdf: Mapped[str | None] = mapped_column(String(200), nullable=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    receipt_wrap: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    adviser_id: Mapped[str | None] = mapped_column(
        ForeignKey("advisers.id", ondelete="SET NULL"), nullable=True, index=True
    )
    created_on: Mapped[date] = mapped_column(Date)
    acknowledged_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    next_sequence: Mapped[int] = mapped_column(Integer, default=1)
    reporter_seen: Mapped[int] = mapped_column(Integer, default=0)


class SignalWrapRow(Base):
    """The signal's private key sealed to one eligible adviser."""

    __tablename__ = "signal_wraps"
    __table_args__ = NO_ROWID

    signal_id: Mapped[str] = mapped_column(
        ForeignKey("signals.id", ondelete="CASCADE"), primary_key=True
    )
    adviser_id: Mapped[str] = mapped_column(
        ForeignKey("advisers.id", ondelete="CASCADE"), primary_key=True
    )
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    # The last thread sequence this adviser opened (-1: not even the signal itself), so the
    # desk counts as new only what they have not read.
    read_up_to: Mapped[int] = mapped_column(Integer, default=-1)


class SignalRecusalRow(Base):
    """An adviser who stepped aside from a signal; they never become responsible again."""

    __tablename__ = "signal_recusals"

    signal_id: Mapped[str] = mapped_column(
        ForeignKey("signals.id", ondelete="CASCADE"), primary_key=True
    )
    adviser_id: Mapped[str] = mapped_column(String(32), primary_key=True)


class MessageRow(Base):
    """One sealed message of a signal's thread; sequence 0 is the signal itself.

    The key is (signal, sequence): order within a thread only, none across signals.
    """

    __tablename__ = "signal_messages"
    __table_args__ = NO_ROWID

    signal_id: Mapped[str] = mapped_column(
        ForeignKey("signals.id", ondelete="CASCADE"), primary_key=True
    )
    sequence: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    author: Mapped[str] = mapped_column(String(10))
    created_on: Mapped[date] = mapped_column(Date)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class AdviserSessionRow(Base):
    """An unlocked adviser key for a limited time, sealed under a key from the server secret."""

    __tablename__ = "adviser_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    adviser_id: Mapped[str] = mapped_column(ForeignKey("advisers.id", ondelete="CASCADE"))
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class AuditRow(Base):
    """One adviser action on a signal; no content. ``digest`` chains each row to the last."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    on: Mapped[date] = mapped_column(Date)
    adviser_id: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(20))
    signal_id: Mapped[str] = mapped_column(String(32))
    previous: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    # 1: plain SHA-256 (rows written before the chain was keyed); 2: HMAC with a server key.
    version: Mapped[int] = mapped_column(Integer, default=2)


class AuditHeadRow(Base):
    """The one row that names the chain's end; writers update it first, which serialises them."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rows: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    on: Mapped[date | None] = mapped_column(Date, nullable=True)


class UnlockGuardRow(Base):
    """Unlock attempts since an adviser's last success, and when the next one may run."""

    __tablename__ = "adviser_unlock_guard"

    adviser_id: Mapped[str] = mapped_column(
        ForeignKey("advisers.id", ondelete="CASCADE"), primary_key=True
    )
    streak: Mapped[int] = mapped_column(Integer, default=0)
    wait_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class FailedUnlockRow(Base):
    """Failed unlocks per adviser and date, kept until they are told at their next unlock."""

    __tablename__ = "adviser_failed_unlocks"

    adviser_id: Mapped[str] = mapped_column(
        ForeignKey("advisers.id", ondelete="CASCADE"), primary_key=True
    )
    on: Mapped[date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class AttemptRow(Base):
    """Receipt look-ups per conversation (keyed hash) and window, shared by every replica."""

    __tablename__ = "receipt_attempts"
    __table_args__ = NO_ROWID

    bucket: Mapped[str] = mapped_column(String(64), primary_key=True)
    window: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class SignalOpenRow(Base):
    """Successful receipt opens per signal (keyed hash of its id) and hour; purged hourly."""

    __tablename__ = "signal_opens"
    __table_args__ = NO_ROWID  # a rowid would tell which signal was opened first

    bucket: Mapped[str] = mapped_column(String(64), primary_key=True)
    window: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class MetaRow(Base):
    """Facts about the deployment itself, e.g. the fingerprint of the secret in force."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
