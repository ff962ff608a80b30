"""The one table of the yearly picture: a count per organisation, quarter, measure, category."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base
from bot.signals.models import NO_ROWID


class StatsCountRow(Base):
    """No date finer than the quarter, no id, no unit, no free text: nothing joins a signal.

    Like the signal tables it has no rowid on SQLite: a rowid would tell in which order, and
    so roughly when, a category was first counted.
    """

    __tablename__ = "stats_counts"
    __table_args__ = NO_ROWID

    organisation: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    quarter: Mapped[int] = mapped_column(Integer, primary_key=True)
    measure: Mapped[str] = mapped_column(String(32), primary_key=True)
    category: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
