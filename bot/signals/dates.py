"""Deadlines of the organisation's service norm, on dates (never times).

The norm follows the rhythm of the Dutch whistleblower law (Wet bescherming klokkenluiders,
art. 2c: acknowledge within 7 days, feedback within 3 months of the acknowledgement), but a
signal to a confidential adviser is not a whistleblower report: these are our own promises.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

ACKNOWLEDGE_DAYS = 7  # acknowledge within 7 days of the signal
FEEDBACK_MONTHS = 3  # ... and give feedback within 3 months of the acknowledgement


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def acknowledge_by(created: date) -> date:
    return created + timedelta(days=ACKNOWLEDGE_DAYS)


def feedback_by(acknowledged: date) -> date:
    """Feedback is due 3 months after the acknowledgement (first reply or "acknowledge")."""
    return add_months(acknowledged, FEEDBACK_MONTHS)
