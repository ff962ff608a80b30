"""Notices of the crash run's signals: each told exactly once, whatever the kills did.

The outbox row is written in the signal's own transaction (bot/outbox/models.py), so a
stored signal always has its notice and an unstored one none; the worker's lease and the
delivery key make a notice interrupted by a kill go out again under the same Message-ID.
"""

from __future__ import annotations

from collections import Counter

from tests.crash.conftest import ADVISER_EMAIL, CrashOutcome
from tests.crash.notice_rows import read_notice_rows

SENT = "sent"
EMAIL = "email"


def test_every_stored_signal_has_exactly_one_new_signal_item_per_channel(
    crash_run: CrashOutcome,
) -> None:
    rows = read_notice_rows(crash_run.run.db_file)
    assert rows.signals, "the run stored no signals"
    channels_of: dict[str, Counter[str]] = {signal: Counter() for signal in rows.signals}
    for (signal, channel), count in rows.items.items():
        channels_of.setdefault(signal, Counter())[channel] += count
    # The one adviser has an e-mail address and nothing else, so e-mail is the one channel.
    assert {signal: dict(c) for signal, c in channels_of.items()} == {
        signal: {EMAIL: 1} for signal in rows.signals
    }


def test_every_notice_of_a_new_signal_ends_sent(crash_run: CrashOutcome) -> None:
    rows = read_notice_rows(crash_run.run.db_file)
    assert rows.deliveries
    assert {key: status for key, (status, _) in rows.deliveries.items()} == {
        key: SENT for key in rows.deliveries
    }


def test_the_mail_server_saw_each_notice_once(crash_run: CrashOutcome) -> None:
    seen = crash_run.smtp.handler.message_ids
    rows = read_notice_rows(crash_run.run.db_file)
    notices = {f"<{key}@meldwijzer>" for key in rows.deliveries}
    claims = {f"<{key}@meldwijzer>": n for key, n in rows.email_claims.items()}
    # Every notice arrived; nothing arrived that is not an e-mail delivery (a digest that
    # fell due during the run is one too).
    assert notices <= set(seen) <= set(claims)
    # A kill between the mail server's "250 OK" and the worker marking the row sent is the
    # one way a message can go out twice: the row is claimed again (attempts + 1) and sent
    # under the same Message-ID, so the mail store can tell it is the same message. More
    # copies than claims would be a bug.
    assert {message_id: n for message_id, n in seen.items() if n > claims[message_id]} == {}
    assert set(crash_run.smtp.handler.recipients) == {ADVISER_EMAIL}
