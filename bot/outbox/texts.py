"""The words of a notice and a digest, in Dutch (B1, plain language) and English.

A notice says only that there is something on the desk, how many things, and where to open
it. A digest lists short signal ids and dates, nothing else: no content, no reporter words,
no unit, no times. Dates are written the way people write them ("1 december 2026"), not as
ISO dates, and in the recipient's first language. A date to meet is named as the service
norm (bot/signals/dates.py), never as a legal deadline: a signal to a confidential adviser is
not a whistleblower report, so no law sets these dates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.written_dates import written_date, written_day

LANGUAGES = ("nl", "en")
WORDS: dict[str, dict[str, str]] = {
    "nl": {
        "notice_subject": "Nieuw op je bureau in Meldwijzer",
        "notice_one": "Er staat 1 nieuw punt op je bureau in Meldwijzer.",
        "notice_many": "Er staan {count} nieuwe punten op je bureau in Meldwijzer.",
        "open_link": "Open je bureau: {where}",
        "open_command": "Open je bureau met: {where}",
        "digest_subject": "Je overzicht van {day}",
        "digest_hello": "Hallo. Dit is je overzicht van {day} in Meldwijzer.",
        "digest_nothing": "Er staat vandaag niets voor je klaar. Fijne dag!",
        "digest_thanks": "Dank je wel voor je werk.",
        "by": "servicenorm: uiterlijk {day}",
        "since": "sinds {day}",
        "new_signals": "Nieuwe signalen",
        "new_messages": "Nieuwe berichten van melders",
        "ack_soon": "Bevestig snel dat je deze signalen hebt gezien",
        "ack_overdue": "Nog niet bevestigd, later dan de servicenorm",
        "feedback_overdue": "Terugkoppeling aan de melder, later dan de servicenorm",
        "backup_away": "Signalen van een collega die er vandaag niet is",
        "backup_overdue": "Als achtervang: later dan de servicenorm",
        "waiting": "Signalen die wachten op een vertrouwenspersoon",
        "dead": "Berichten die niet verstuurd konden worden ({count})",
        "audit": "Auditlog: {rows} regels, laatste code {head}",
    },
    "en": {
        "notice_subject": "New on your desk in Meldwijzer",
        "notice_one": "There is 1 new item on your desk in Meldwijzer.",
        "notice_many": "There are {count} new items on your desk in Meldwijzer.",
        "open_link": "Open your desk: {where}",
        "open_command": "Open your desk with: {where}",
        "digest_subject": "Your overview for {day}",
        "digest_hello": "Hello. This is your Meldwijzer overview for {day}.",
        "digest_nothing": "There is nothing waiting for you today. Have a good day!",
        "digest_thanks": "Thank you for your work.",
        "by": "service norm: by {day}",
        "since": "since {day}",
        "new_signals": "New signals",
        "new_messages": "New messages from reporters",
        "ack_soon": "Please confirm soon that you have seen these signals",
        "ack_overdue": "Not yet confirmed, past the service norm",
        "feedback_overdue": "Feedback to the reporter, past the service norm",
        "backup_away": "Signals of a colleague who is not available today",
        "backup_overdue": "As a backup: past the service norm",
        "waiting": "Signals waiting for an adviser",
        "dead": "Notices that could not be sent ({count})",
        "audit": "Audit log: {rows} rows, last code {head}",
    },
}


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of a digest section: a short signal id and the date that matters, if any."""

    ref: str
    due: date | None = None
    since: bool = False  # the date is when something started, not a deadline


@dataclass(frozen=True, slots=True)
class Section:
    key: str  # a key of WORDS: the section's heading
    entries: tuple[Entry, ...]
    facts: tuple[tuple[str, int | str], ...] = ()  # numbers the heading shows ("dead")


@dataclass(frozen=True, slots=True)
class Text:
    subject: str
    body: str


def language(preferred: Sequence[str]) -> str:
    """The recipient's first language we write in; Dutch when we have none of theirs."""
    return next((lang for lang in preferred if lang in LANGUAGES), "nl")


def where_line(lang: str, where: str) -> str:
    key = "open_link" if where.startswith("https://") else "open_command"
    return WORDS[lang][key].format(where=where)


def notice_text(lang: str, count: int, where: str) -> Text:
    """ "There are N new things on your desk" and where it opens; nothing else."""
    words = WORDS[lang]
    line = words["notice_one"] if count == 1 else words["notice_many"].format(count=count)
    return Text(words["notice_subject"], f"{line}\n\n{where_line(lang, where)}")


def digest_text(lang: str, day: date, sections: Sequence[Section], where: str) -> Text:
    words = WORDS[lang]
    shown = [s for s in sections if s.entries or s.facts]
    lines = [words["digest_hello"].format(day=written_day(day, lang)), ""]
    if not shown:
        lines += [words["digest_nothing"], ""]
    for section in shown:
        heading = words[section.key].format(**dict(section.facts))
        lines.append(heading + ":" * bool(section.entries))
        lines += [f"- {_entry(entry, lang)}" for entry in section.entries]
        lines.append("")
    lines += [where_line(lang, where), "", words["digest_thanks"]]
    subject = words["digest_subject"].format(day=written_date(day, lang))
    return Text(subject, "\n".join(lines))


def _entry(entry: Entry, lang: str) -> str:
    if entry.due is None:
        return entry.ref
    when = WORDS[lang]["since" if entry.since else "by"].format(day=written_date(entry.due, lang))
    return f"{entry.ref} ({when})"
