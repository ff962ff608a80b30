"""When notices and digests go out, in Amsterdam time, also across the clock changes.

2026's changes in the Netherlands: Sunday 29 March 02:00 CET → 03:00 CEST (02:00–03:00 does
not exist) and Sunday 25 October 03:00 CEST → 02:00 CET (02:00–03:00 happens twice).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.outbox.schedule import NoticeSchedule
from bot.settings import Settings

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
EVERY_DAY = "mon,tue,wed,thu,fri,sat,sun"


def schedule(**overrides: str) -> NoticeSchedule:
    return NoticeSchedule.of(Settings(**overrides))  # type: ignore[arg-type]


def local(year: int, month: int, day: int, hour: int, minute: int = 0, fold: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=AMSTERDAM, fold=fold).astimezone(UTC)


def minutes(start: datetime, end: datetime, step: int = 1) -> list[datetime]:
    count = int((end - start).total_seconds() // 60 // step)
    return [start + timedelta(minutes=step * i) for i in range(count + 1)]


def test_a_signal_at_10_17_waits_for_the_14_00_slot() -> None:
    plan = schedule()
    submitted = local(2026, 12, 1, 10, 17)  # a Tuesday
    assert plan.next_notice_at(submitted) == local(2026, 12, 1, 14, 0)


def test_no_notice_time_lies_between_10_17_and_14_00() -> None:
    plan = schedule()
    for moment in minutes(local(2026, 12, 1, 10, 17), local(2026, 12, 1, 13, 59)):
        assert plan.next_notice_at(moment) == local(2026, 12, 1, 14, 0)


def test_after_the_last_slot_of_friday_the_next_is_monday_morning() -> None:
    plan = schedule()
    assert plan.next_notice_at(local(2026, 12, 4, 14, 0)) == local(2026, 12, 7, 9, 0)


def test_the_digest_is_due_from_its_hour_on_notice_days_only() -> None:
    plan = schedule(digest_time="08:00")
    assert plan.digest_due(local(2026, 12, 1, 7, 59)) is None
    assert plan.digest_due(local(2026, 12, 1, 8, 0)) == date(2026, 12, 1)
    assert plan.digest_due(local(2026, 12, 1, 23, 59)) == date(2026, 12, 1)
    assert plan.digest_due(local(2026, 12, 5, 9, 0)) is None  # a Saturday


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [
        (date(2026, 3, 27), 7),  # Friday before: CET, UTC+1
        (date(2026, 3, 29), 6),  # the change day itself: 08:00 is already CEST
        (date(2026, 3, 30), 6),  # Monday after: CEST, UTC+2
        (date(2026, 10, 23), 6),  # Friday before: CEST
        (date(2026, 10, 25), 7),  # the change day: 08:00 is CET again
        (date(2026, 10, 26), 7),
    ],
)
def test_the_digest_keeps_its_local_hour_across_the_clock_changes(day: date, utc_hour: int) -> None:
    plan = schedule(digest_time="08:00", notice_days=EVERY_DAY)
    moment = plan.at(day, time(8, 0))
    assert moment == datetime(day.year, day.month, day.day, utc_hour, tzinfo=UTC)
    assert moment.astimezone(AMSTERDAM).hour == 8


def test_a_digest_time_in_the_spring_gap_comes_an_hour_later() -> None:
    plan = schedule(digest_time="02:30", notice_days=EVERY_DAY)
    gap_day = date(2026, 3, 29)
    # 02:30 does not exist that night; the digest comes at 03:30 CEST = 01:30 UTC.
    assert plan.digest_due(datetime(2026, 3, 29, 1, 29, tzinfo=UTC)) is None
    assert plan.digest_due(datetime(2026, 3, 29, 1, 30, tzinfo=UTC)) == gap_day


def test_a_notice_time_in_the_spring_gap_is_kept_once() -> None:
    plan = schedule(notice_times="02:30", notice_days=EVERY_DAY)
    slots = walk(plan, datetime(2026, 3, 27, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
    assert [plan.local_date(s) for s in slots] == [date(2026, 3, d) for d in range(27, 32)]
    assert datetime(2026, 3, 29, 1, 30, tzinfo=UTC) in slots


def test_a_notice_time_in_the_repeated_autumn_hour_comes_once() -> None:
    plan = schedule(notice_times="02:30", notice_days=EVERY_DAY)
    slots = walk(plan, datetime(2026, 10, 23, tzinfo=UTC), datetime(2026, 10, 28, tzinfo=UTC))
    assert [plan.local_date(s) for s in slots] == [date(2026, 10, d) for d in range(23, 28)]
    # The first 02:30 of the night (CEST, 00:30 UTC); never also the second (01:30 UTC).
    assert datetime(2026, 10, 25, 0, 30, tzinfo=UTC) in slots
    assert datetime(2026, 10, 25, 1, 30, tzinfo=UTC) not in slots


def test_the_autumn_digest_in_the_repeated_hour_is_due_at_its_first_occurrence() -> None:
    plan = schedule(digest_time="02:30", notice_days=EVERY_DAY)
    assert plan.digest_due(datetime(2026, 10, 25, 0, 29, tzinfo=UTC)) is None
    assert plan.digest_due(datetime(2026, 10, 25, 0, 30, tzinfo=UTC)) == date(2026, 10, 25)


def walk(plan: NoticeSchedule, start: datetime, end: datetime) -> list[datetime]:
    """Every notice time from ``start`` to ``end``, as a worker waiting for each would see."""
    slots: list[datetime] = []
    moment = plan.next_notice_at(start)
    while moment < end:
        slots.append(moment)
        moment = plan.next_notice_at(moment)
    return slots
