"""Notices of the crash run's signals: each told exactly once, whatever the kills did.

The outbox row is written in the signal's own transaction (bot/outbox/models.py), so a
stored signal always has its notice and an unstored one none; the worker's lease and the
delivery key make a notice interrupted by a kill go out again under the same Message-ID.
"""

from __future__ import annotations

from tests.crash.conftest import ADVISER_EMAIL, CrashOutcome
from tests.crash.notice_rows import read_notice_rows

SENT = "sent"


def test_every_stored_signal_was_told_once(crash_run: CrashOutcome) -> None:
    """The notices that arrived (one count per Message-ID) told of as many new things as
    there are stored signals: none left out, none told twice under another Message-ID."""
    rows = read_notice_rows(crash_run.run.db_file)
    assert rows.signals, "the run stored no signals"
    told = crash_run.smtp.handler.told
    notices = {f"<{key}@meldwijzer>" for key in rows.notices}
    assert sum(n for message_id, n in told.items() if message_id in notices) == len(rows.signals)
    assert rows.items_left == 0


def test_every_notice_ends_sent(crash_run: CrashOutcome) -> None:
    rows = read_notice_rows(crash_run.run.db_file)
    assert rows.notices
    assert {key: status for key, (status, _) in rows.notices.items()} == {
        key: SENT for key in rows.notices
    }


def test_the_mail_server_saw_each_notice_once(crash_run: CrashOutcome) -> None:
    seen = crash_run.smtp.handler.message_ids
    rows = read_notice_rows(crash_run.run.db_file)
    notices = {f"<{key}@meldwijzer>" for key in rows.notices}
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
