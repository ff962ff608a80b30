"""The table every replica shares its turn limit through.

It names no person, conversation or signal: a window is keyed by a keyed hash of what it
counts (never a raw token).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base

NO_ROWID = {"sqlite_with_rowid": False}


class RateWindowRow(Base):
    """How often one thing was done in the window that began at ``window`` (epoch second).

    One row per counted thing, not per thing and window: a new window overwrites the old one
    in the same statement, so a conversation costs one small row however long it goes on.
    """

    __tablename__ = "rate_windows"
    __table_args__ = NO_ROWID

    bucket: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Indexed so housekeeping deletes stale windows by range, a batch at a time.
    window: Mapped[int] = mapped_column(BigInteger, index=True)  # epoch seconds, past 2038
    count: Mapped[int] = mapped_column(Integer)
