"""Dates as people write them, the recipient's language, and the feedback deadline."""

from __future__ import annotations

import re
from datetime import date

import pytest

from bot.outbox.texts import WORDS, Entry, Section, digest_text, language, notice_text
from bot.signals.dates import feedback_by
from bot.written_dates import written_day


@pytest.mark.parametrize(
    ("lang", "written"),
    [("nl", "zondag 25 oktober 2026"), ("en", "Sunday 25 October 2026")],
)
def test_dates_are_written_out(lang: str, written: str) -> None:
    assert written_day(date(2026, 10, 25), lang) == written


def test_the_first_language_we_write_in_or_dutch() -> None:
    assert language(("en", "nl")) == "en"
    assert language(("de", "en")) == "en"
    assert language(("tr",)) == "nl"


def test_one_thing_and_many_things() -> None:
    assert notice_text("en", 1, "x").body.startswith("There is 1 new item on your desk")
    assert notice_text("nl", 3, "x").body.startswith("Er staan 3 nieuwe punten op je bureau")


def test_an_empty_section_is_left_out_and_a_full_one_lists_its_ids() -> None:
    sections = [
        Section("new_signals", ()),
        Section("ack_overdue", (Entry("0a1b2c3d", date(2026, 3, 1)),)),
    ]
    body = digest_text("en", date(2026, 3, 2), sections, "https://teams.example").body
    assert "New signals" not in body
    listed = "Not yet confirmed, past the service norm:\n- 0a1b2c3d (service norm: by 1 March 2026)"
    assert listed in body


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_date_to_meet_is_the_service_norm_never_a_legal_deadline(lang: str) -> None:
    # A signal to a confidential adviser is not a whistleblower report: no law sets its dates.
    norm = "servicenorm" if lang == "nl" else "service norm"
    for key in ("by", "ack_overdue", "feedback_overdue", "backup_overdue"):
        assert norm in WORDS[lang][key], key
    legal = re.compile(r"\b(termijn|deadline|wet|law|wbk)\b", re.IGNORECASE)
    assert not [text for text in WORDS[lang].values() if legal.search(text)]


@pytest.mark.parametrize(
    ("acknowledged", "due"),
    [
        (date(2026, 2, 20), date(2026, 5, 20)),
        (date(2026, 11, 30), date(2027, 2, 28)),  # no 30 February: the month's last day
        (date(2027, 11, 30), date(2028, 2, 29)),
    ],
)
def test_feedback_is_due_three_months_after_the_acknowledgement(
    acknowledged: date, due: date
) -> None:
    assert feedback_by(acknowledged) == due
