"""Advisers' absences: from and until which date (both included) they take no signals."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base


class AbsenceRow(Base):
    __tablename__ = "adviser_absences"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    adviser_id: Mapped[str] = mapped_column(
        ForeignKey("advisers.id", ondelete="CASCADE"), index=True
    )
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
