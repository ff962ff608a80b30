"""``meldwijzer adviser away | set-email | add --email | acknowledge``, run in-process."""

from __future__ import annotations

import contextlib
import re
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.signals.test_cli import (
    NAME,
    PASSPHRASE,
    Cli,
    add_adviser,
    command_line,
    environment,
    first_signal_prefix,
    leave_signal,
    rows,
)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    environment(monkeypatch, folder)
    return folder


@pytest.fixture
def cli(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    return command_line(monkeypatch)


def query(data_dir: Path, sql: str) -> list[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(data_dir / "meldwijzer.db")) as db, db:
        return list(db.execute(sql))


def test_add_with_an_email_address(cli: Cli, data_dir: Path) -> None:
    ran = cli("adviser", "add", NAME, "--email", "vp@example.nl", stdin=PASSPHRASE + "\n")
    assert ran.code == 0, ran.err
    assert query(data_dir, "SELECT email FROM advisers WHERE email IS NOT NULL") == [
        ("vp@example.nl",)
    ]
    assert "email=yes" in cli("adviser", "list").out


@pytest.mark.parametrize(
    "bad",
    [
        "vp",
        "vp@",
        "@example.nl",
        "vp@example",
        "v p@example.nl",
        "vp@exa_mple.nl",
        "vp@example.nl\nBcc: x@y.nl",
        "vp..x@example.nl",
        "ü@example.nl",
        "a" * 65 + "@example.nl",
    ],
)
def test_a_bad_address_is_refused_and_nobody_is_added(cli: Cli, data_dir: Path, bad: str) -> None:
    ran = cli("adviser", "add", NAME, "--email", bad, stdin=PASSPHRASE + "\n")
    assert ran.code == 2 and "e-mail address" in ran.err
    assert NAME not in cli("adviser", "list").out


def test_set_email_and_switch_it_off(cli: Cli, data_dir: Path) -> None:
    add_adviser(cli)
    ran = cli("adviser", "set-email", NAME, "vp.new@example.org")
    assert ran.code == 0, ran.err
    assert "vp.new@example.org" not in ran.out, "the address is not printed"
    assert query(data_dir, "SELECT email FROM advisers WHERE name = 'Canary-Name-cli1'") == [
        ("vp.new@example.org",)
    ]
    bad = cli("adviser", "set-email", NAME, "not-an-address")
    assert bad.code == 2
    assert query(data_dir, "SELECT email FROM advisers WHERE name = 'Canary-Name-cli1'") == [
        ("vp.new@example.org",)
    ], "a refused address changes nothing"
    off = cli("adviser", "set-email", NAME, "--none")
    assert off.code == 0
    assert query(data_dir, "SELECT email FROM advisers WHERE name = 'Canary-Name-cli1'") == [
        (None,)
    ]


def test_away_list_and_cancel(cli: Cli, data_dir: Path) -> None:
    add_adviser(cli)
    start = date.today() + timedelta(days=2)
    end = start + timedelta(days=4)
    ran = cli("adviser", "away", NAME, "--from", str(start), "--until", str(end))
    assert ran.code == 0, ran.err
    absence_id = re.search(r"\(id ([0-9a-f]+)\)", ran.out)
    assert absence_id
    listed = cli("adviser", "away", "--list")
    assert f"{absence_id.group(1)}  {NAME}  {start} .. {end}" in listed.out
    cancelled = cli("adviser", "away", "--cancel", absence_id.group(1))
    assert cancelled.code == 0 and "cancelled" in cancelled.out
    assert "No absences." in cli("adviser", "away", NAME, "--list").out


@pytest.mark.parametrize(
    "argv",
    [
        ("--from", "2026-13-01", "--until", "2026-12-01"),
        ("--from", "2030-02-05", "--until", "2030-02-01"),
        (
            "--from",
            "2030-02-05",
        ),
    ],
)
def test_a_bad_absence_is_refused(cli: Cli, data_dir: Path, argv: tuple[str, ...]) -> None:
    add_adviser(cli)
    try:
        code = cli("adviser", "away", NAME, *argv).code
    except SystemExit as exc:  # argparse refuses a date it cannot read
        code = int(str(exc.code))
    assert code == 2
    assert query(data_dir, "SELECT count(*) FROM adviser_absences") == [(0,)]


def test_a_long_absence_hands_the_signals_over(cli: Cli, data_dir: Path) -> None:
    add_adviser(cli)
    add_adviser(cli, name="Canary-Name-cli2")
    leave_signal(data_dir, "Canary-Text-aw1")
    ((responsible,),) = query(
        data_dir, "SELECT a.name FROM signals s JOIN advisers a ON a.id = s.adviser_id"
    )
    today = date.today()
    ran = cli(
        "adviser",
        "away",
        str(responsible),
        "--from",
        str(today),
        "--until",
        str(today + timedelta(days=30)),
    )
    assert ran.code == 0 and "long absence" in ran.out
    ((now_responsible,),) = query(
        data_dir, "SELECT a.name FROM signals s JOIN advisers a ON a.id = s.adviser_id"
    )
    assert now_responsible != responsible


def test_acknowledge_from_the_terminal(cli: Cli, data_dir: Path) -> None:
    add_adviser(cli)
    leave_signal(data_dir, "Canary-Text-aw2")
    prefix = first_signal_prefix(cli)
    ran = cli("adviser", "acknowledge", NAME, prefix, stdin=PASSPHRASE + "\n")
    assert ran.code == 0, ran.err
    due = ran.out.removeprefix("You have acknowledged receipt. ")
    assert due.startswith("Your organisation's service norm: give the reporter feedback by ")
    again = cli("adviser", "acknowledge", NAME, prefix, stdin=PASSPHRASE + "\n")
    assert again.code == 2 and "already acknowledged" in again.err
    inbox = cli("adviser", "inbox", NAME, stdin=PASSPHRASE + "\n")
    ((_, _, _, ack, feedback, _),) = rows(inbox.out)
    assert ack == "-" and feedback in due
    assert query(data_dir, "SELECT count(*) FROM audit_log WHERE action = 'acknowledge'") == [(1,)]
