"""Dates as people write them, through one formatter: "1 december 2026", never 2026-12-01."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from bot.written_dates import written_date, written_day

ROOT = Path(__file__).resolve().parents[2]
# Every module whose words reach a reporter or an adviser: replies, the desks, notices and
# digests. A date in them is written with written_date, never in a machine format.
SPEAKING = (
    *sorted((ROOT / "dialogs").glob("*.py")),
    ROOT / "bot" / "desk_cli.py",
    ROOT / "bot" / "adviser_cli.py",
    ROOT / "bot" / "outbox" / "texts.py",
    ROOT / "adapters" / "teams" / "notices.py",
    ROOT / "adapters" / "mattermost" / "notices.py",
    ROOT / "adapters" / "email" / "message.py",
)
MACHINE_DATES = re.compile(r"\.isoformat\(|\.strftime\(|%Y|%d-%m")


@pytest.mark.parametrize(
    ("day", "lang", "expected"),
    [
        (date(2026, 12, 1), "nl", "1 december 2026"),
        (date(2026, 12, 1), "en", "1 December 2026"),
        (date(2027, 3, 9), "nl", "9 maart 2027"),
        (date(2027, 5, 31), "en", "31 May 2027"),
    ],
)
def test_a_date_is_written_out_without_leading_zeros(day: date, lang: str, expected: str) -> None:
    assert written_date(day, lang) == expected


def test_every_month_has_its_name_in_both_languages() -> None:
    for lang in ("nl", "en"):
        names = {written_date(date(2026, month, 1), lang).split()[1] for month in range(1, 13)}
        assert len(names) == 12
    assert written_date(date(2026, 10, 1), "nl") == "1 oktober 2026"


def test_a_day_carries_its_weekday() -> None:
    assert written_day(date(2026, 12, 1), "nl") == "dinsdag 1 december 2026"
    assert written_day(date(2026, 12, 1), "en") == "Tuesday 1 December 2026"


@pytest.mark.parametrize("module", SPEAKING, ids=lambda path: str(path.relative_to(ROOT)))
def test_what_people_read_formats_no_date_by_machine(module: Path) -> None:
    assert module.is_file()
    assert not MACHINE_DATES.search(module.read_text(encoding="utf-8"))
