"""Dates as people write them: "1 december 2026", "dinsdag 1 december 2026", never ISO.

Used wherever a date is shown to a reporter or an adviser (the chat, notices, digests).
"""

from __future__ import annotations

from datetime import date

MONTHS = {
    "nl": [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}
WEEKDAYS = {
    "nl": ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"],
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
}


def written_date(day: date, lang: str) -> str:
    """``1 december 2026`` / ``1 December 2026``."""
    return f"{day.day} {MONTHS[lang][day.month - 1]} {day.year}"


def written_day(day: date, lang: str) -> str:
    """``dinsdag 1 december 2026`` / ``Tuesday 1 December 2026``."""
    return f"{WEEKDAYS[lang][day.weekday()]} {written_date(day, lang)}"
