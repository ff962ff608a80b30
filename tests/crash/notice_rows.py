"""The outbox rows of a crash run, read with plain ``sqlite3`` (schema 0006).

A notice's items are deleted when it is marked sent, so after the run the rows say which
notices went out and the mail server says what they told of.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class NoticeRows:
    signals: frozenset[str]
    # delivery key → (status, attempts), for every notice (not digest) delivery
    notices: dict[str, tuple[str, int]]
    # delivery key → attempts, for every e-mail delivery (digests too: one may fall due)
    email_claims: dict[str, int]
    items_left: int  # items of notices not (yet) sent
    unsettled: int  # deliveries still pending or sending

    def settled(self) -> bool:
        return self.unsettled == 0 and self.items_left == 0


def read_notice_rows(db_file: Path) -> NoticeRows:
    with closing(sqlite3.connect(db_file)) as db:
        signals = frozenset(row[0] for row in db.execute("SELECT id FROM signals"))
        notices = {
            key: (status, attempts)
            for key, status, attempts in db.execute(
                "SELECT idempotency_key, status, attempts FROM deliveries WHERE kind = 'notice'"
            )
        }
        email_claims = dict(
            db.execute("SELECT idempotency_key, attempts FROM deliveries WHERE channel = 'email'")
        )
        (items_left,) = db.execute("SELECT COUNT(*) FROM delivery_items").fetchone()
        (unsettled,) = db.execute(
            "SELECT COUNT(*) FROM deliveries WHERE kind = 'notice'"
            " AND status IN ('pending', 'sending')"
        ).fetchone()
    return NoticeRows(signals, notices, email_claims, items_left, unsettled)
