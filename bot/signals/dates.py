"""Deadlines of the Dutch whistleblower law's rhythm, on dates (never times)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

ACKNOWLEDGE_DAYS = 7  # Wet bescherming klokkenluiders: acknowledge within 7 days
FEEDBACK_MONTHS = 3  # ... and give feedback within 3 months


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def acknowledge_by(created: date) -> date:
    return created + timedelta(days=ACKNOWLEDGE_DAYS)


def feedback_by(created: date) -> date:
    return add_months(created, FEEDBACK_MONTHS)
