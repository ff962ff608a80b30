"""The outbox rows of a crash run, read with plain ``sqlite3`` (schema 0006)."""

from __future__ import annotations

import sqlite3
from collections import Counter
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

NEW_SIGNAL = "new_signal"


@dataclass(frozen=True, slots=True)
class NoticeRows:
    signals: frozenset[str]
    # (signal id, channel) → new_signal items of it
    items: Counter[tuple[str, str]]
    # delivery key → (status, attempts), for deliveries that tell of a new signal
    deliveries: dict[str, tuple[str, int]]
    # delivery key → attempts, for every e-mail delivery (digests too: one may fall due)
    email_claims: dict[str, int]
    unsettled: int  # deliveries still pending or sending

    def settled(self) -> bool:
        told = {signal for signal, _ in self.items}
        return self.unsettled == 0 and told >= self.signals


def read_notice_rows(db_file: Path) -> NoticeRows:
    with closing(sqlite3.connect(db_file)) as db:
        signals = frozenset(row[0] for row in db.execute("SELECT id FROM signals"))
        items: Counter[tuple[str, str]] = Counter(
            (signal, channel)
            for signal, channel in db.execute(
                "SELECT i.signal_id, d.channel FROM delivery_items i"
                " JOIN deliveries d ON d.id = i.delivery_id WHERE i.kind = ?",
                (NEW_SIGNAL,),
            )
        )
        deliveries = {
            key: (status, attempts)
            for key, status, attempts in db.execute(
                "SELECT DISTINCT d.idempotency_key, d.status, d.attempts FROM deliveries d"
                " JOIN delivery_items i ON i.delivery_id = d.id WHERE i.kind = ?",
                (NEW_SIGNAL,),
            )
        }
        email_claims = dict(
            db.execute("SELECT idempotency_key, attempts FROM deliveries WHERE channel = 'email'")
        )
        (unsettled,) = db.execute(
            "SELECT COUNT(*) FROM deliveries WHERE kind = 'notice'"
            " AND status IN ('pending', 'sending')"
        ).fetchone()
    return NoticeRows(signals, items, deliveries, email_claims, unsettled)
