"""What a killed server left in its SQLite file, read with plain ``sqlite3`` while it is down.

Opening the file runs SQLite's own recovery (the write-ahead log of committed transactions
is replayed, an uncommitted tail is ignored: https://www.sqlite.org/wal.html), exactly as
the next ``serve`` would, so this sees what the restarted server will see.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class StoredRows:
    lookup_keys: frozenset[bytes]  # one per signal row
    signals: int
    messages: int
    wraps: int
    without_content: tuple[str, ...]  # signal ids with no sequence-0 message
    wrap_counts: frozenset[int]  # the distinct numbers of wraps per signal
    orphans: int  # messages or wraps of a signal that is not there


def read_stored_rows(db_file: Path) -> StoredRows:
    with closing(sqlite3.connect(db_file)) as db:
        db.execute("PRAGMA foreign_keys=ON")
        keys = [row[0] for row in db.execute("SELECT lookup_key FROM signals")]
        (messages,) = db.execute("SELECT COUNT(*) FROM signal_messages").fetchone()
        (wraps,) = db.execute("SELECT COUNT(*) FROM signal_wraps").fetchone()
        without = db.execute(
            "SELECT id FROM signals s WHERE NOT EXISTS (SELECT 1 FROM signal_messages m"
            " WHERE m.signal_id = s.id AND m.sequence = 0)"
        ).fetchall()
        counts = db.execute(
            "SELECT COUNT(w.adviser_id) FROM signals s"
            " LEFT JOIN signal_wraps w ON w.signal_id = s.id GROUP BY s.id"
        ).fetchall()
        (orphans,) = db.execute(
            "SELECT (SELECT COUNT(*) FROM signal_messages WHERE signal_id NOT IN"
            " (SELECT id FROM signals)) + (SELECT COUNT(*) FROM signal_wraps WHERE"
            " signal_id NOT IN (SELECT id FROM signals))"
        ).fetchone()
    return StoredRows(
        lookup_keys=frozenset(keys),
        signals=len(keys),
        messages=messages,
        wraps=wraps,
        without_content=tuple(row[0] for row in without),
        wrap_counts=frozenset(row[0] for row in counts),
        orphans=orphans,
    )
