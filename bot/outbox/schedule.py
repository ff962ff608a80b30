"""When notices go out: the fixed notice times, the digest's hour, in local time.

Times are read in the configured zone (``zoneinfo``, so daylight saving is right) and turned
into UTC instants; nothing here looks at when a reporter acted except to find the *next*
notice time after it. A local time that does not exist on a spring-forward day (02:30 in
Amsterdam on the last Sunday of March) is taken as the instant one hour later, which is what
``zoneinfo`` gives for ``fold=0``; one that exists twice in autumn is its first occurrence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.settings import Settings

SEARCH_DAYS = 8  # a week and a day: at least one notice day lies within it


@dataclass(frozen=True, slots=True)
class NoticeSchedule:
    zone: ZoneInfo
    times: tuple[time, ...]
    weekdays: frozenset[int]  # Monday is 0
    digest: time
    every_seconds: int | None = None  # development only: notices every N seconds

    @classmethod
    def of(cls, settings: Settings) -> NoticeSchedule:
        return cls(
            settings.zone,
            settings.notice_clock,
            settings.notice_weekdays,
            settings.digest_clock,
            settings.notice_every_seconds,
        )

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def at(self, day: date, clock: time) -> datetime:
        """The UTC instant of ``clock`` on local ``day`` (see the module note on DST)."""
        local = datetime.combine(day, clock, tzinfo=self.zone)
        return local.astimezone(UTC).astimezone(self.zone).astimezone(UTC)

    def next_notice_at(self, after: datetime) -> datetime:
        """The first notice time strictly after ``after``."""
        if self.every_seconds:
            step = self.every_seconds
            return datetime.fromtimestamp((int(after.timestamp()) // step + 1) * step, UTC)
        first = self.local_date(after)
        for offset in range(SEARCH_DAYS):
            day = first + timedelta(days=offset)
            if day.weekday() not in self.weekdays:
                continue
            for clock in self.times:
                moment = self.at(day, clock)
                if moment > after:
                    return moment
        raise AssertionError("no notice day within a week")  # settings require one

    def digest_due(self, now: datetime) -> date | None:
        """Today's local date once its digest hour has come on a notice day, else None."""
        today = self.local_date(now)
        if today.weekday() not in self.weekdays:
            return None
        return today if now >= self.at(today, self.digest) else None
