"""``meldwijzer adviser …`` and ``meldwijzer audit verify``, run in-process as an admin would."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import re
import shutil
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.app import Services, build_services, build_signal_services, prepare_database
from bot.cli import main
from bot.errors import CryptoError, InputError
from bot.seal import AdviserKeyring, open_signal_key_as_adviser, public_key_bytes
from bot.secret import server_secret
from bot.settings import Settings
from bot.signals.registry import NewAdviser
from dialogs.messages import Messages
from tests.conftest import TEST_KDF
from tests.signals.conftest import (
    DEMO_PASSPHRASE,
    adviser_in_teams,
    all_text,
    read_thread,
    reporter,
    submit_signal,
)
from tests.signals.conftest import PASSPHRASE as PASSPHRASE_CHAT

PASSPHRASE = "canary-passphrase-cli-71"
NAME = "Canary-Name-cli1"
MESSAGES = Messages.load()


def t(key: str, lang: str = "nl", **values: str) -> str:
    return MESSAGES.text(lang, key, **values)


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


Cli = Callable[..., Ran]


def environment(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    monkeypatch.setenv("MELDWIJZER_DATA_DIR", str(folder))
    monkeypatch.setenv("MELDWIJZER_KDF_MEMORY_KIB", str(TEST_KDF["kdf_memory_kib"]))
    monkeypatch.delenv("MELDWIJZER_DATABASE_URL", raising=False)
    monkeypatch.delenv("MELDWIJZER_SECRET", raising=False)


def command_line(monkeypatch: pytest.MonkeyPatch) -> Cli:
    def run(*argv: str, stdin: str = "") -> Ran:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(argv))
        return Ran(code, out.getvalue(), err.getvalue())

    return run


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    environment(monkeypatch, folder)
    return folder


@pytest.fixture
def cli(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    return command_line(monkeypatch)


def in_the_bot(data_dir: Path, act: Callable[[Services], object]) -> object:
    """Run one piece of a conversation against the same data folder, as the server would."""

    async def go() -> object:
        services = build_services(Settings(data_dir=data_dir, **TEST_KDF))  # type: ignore[arg-type]
        try:
            await prepare_database(services)
            return await act(services)  # type: ignore[misc]
        finally:
            await services.close()

    return asyncio.run(go())


def leave_signal(data_dir: Path, what: str, **fields: str) -> str:
    async def act(services: Services) -> str:
        return (await submit_signal(services, what=what, **fields)).receipt

    return str(in_the_bot(data_dir, act))


def reporter_reads(data_dir: Path, receipt: str) -> str:
    async def act(services: Services) -> str:
        return all_text(await read_thread(reporter(services), receipt))

    return str(in_the_bot(data_dir, act))


def add_adviser(cli: Cli, name: str = NAME, unit: str = "Canary-Unit") -> str:
    ran = cli("adviser", "add", name, "--unit", unit, "--language", "en", stdin=PASSPHRASE + "\n")
    assert ran.code == 0, ran.err
    found = re.search(r"added with id ([0-9a-f]+)", ran.out)
    assert found, ran.out
    return found.group(1)


def rows(inbox: str) -> list[list[str]]:
    """The inbox table's rows below its header, split on the two spaces between columns."""
    header, *lines = inbox.splitlines()
    assert header.split()[0] in (t("adviser.column_signal", "en"), t("adviser.column_signal"))
    return [re.split(r" {2,}", line) for line in lines]


def first_signal_prefix(cli: Cli, name: str = NAME) -> str:
    ran = cli("adviser", "inbox", name, stdin=PASSPHRASE + "\n")
    assert ran.code == 0, ran.err
    return rows(ran.out)[0][0]


def test_add_then_list(cli: Cli) -> None:
    adviser_id = add_adviser(cli)
    listed = cli("adviser", "list")
    assert listed.code == 0
    (line,) = [line for line in listed.out.splitlines() if NAME in line]
    assert line.startswith(adviser_id)
    assert "units=Canary-Unit" in line and "languages=en" in line
    assert "no passphrase" not in line and "disabled" not in line
    assert PASSPHRASE not in listed.out + listed.err


def test_a_short_passphrase_is_refused(cli: Cli) -> None:
    ran = cli("adviser", "add", NAME, stdin="short\n")
    assert ran.code == 2
    assert "12 characters" in ran.err


def test_inbox_open_reply_close(cli: Cli, data_dir: Path) -> None:
    add_adviser(cli)
    receipt = leave_signal(data_dir, "Canary-Text-f1: shouted at in the hallway")
    inbox = cli("adviser", "inbox", NAME, stdin=PASSPHRASE + "\n")
    assert inbox.code == 0, inbox.err
    ((prefix, age, role, ack, feedback, new),) = rows(inbox.out)
    assert (age, role, new) == ("0", "responsible", "1")
    assert ack != "-" and feedback == "-", "feedback is due only from the acknowledgement"
    opened = cli("adviser", "open", NAME, prefix, stdin=PASSPHRASE + "\n")
    assert opened.code == 0, opened.err
    assert "Canary-Text-f1: shouted at in the hallway" in opened.out
    replied = cli("adviser", "reply", NAME, prefix, "--text", "Canary-Text-f2", stdin=PASSPHRASE)
    assert (replied.code, replied.out.strip()) == (0, t("adviser.sent", "en"))
    assert "Canary-Text-f2" in reporter_reads(data_dir, receipt)
    answered = cli("adviser", "inbox", NAME, stdin=PASSPHRASE + "\n")
    ((_, _, _, ack, feedback, new),) = rows(answered.out)
    assert ack == "-" and feedback != "-" and new == "0"
    closed = cli(
        "adviser", "close", NAME, prefix, "--outcome", "informal", "--yes", stdin=PASSPHRASE + "\n"
    )
    informal = t("adviser.outcome_informal", "en")
    assert (closed.code, closed.out.strip()) == (0, t("adviser.closed_as", "en", outcome=informal))
    empty = cli("adviser", "inbox", NAME, stdin=PASSPHRASE + "\n")
    assert empty.out.strip() == t("adviser.inbox_empty", "en")
    assert "closed" in reporter_reads(data_dir, receipt)


def test_reply_reads_the_text_from_stdin_after_the_passphrase(cli: Cli, data_dir: Path) -> None:
    add_adviser(cli)
    receipt = leave_signal(data_dir, "Canary-Text-f3")
    prefix = first_signal_prefix(cli)
    ran = cli("adviser", "ask", NAME, prefix, stdin=f"{PASSPHRASE}\nCanary-Text-f4\nline two\n")
    assert ran.code == 0, ran.err
    assert "Canary-Text-f4\nline two" in reporter_reads(data_dir, receipt)


def test_a_wrong_passphrase_reads_nothing(cli: Cli, data_dir: Path) -> None:
    add_adviser(cli)
    leave_signal(data_dir, "Canary-Text-f5")
    ran = cli("adviser", "inbox", NAME, stdin="not-the-passphrase\n")
    assert ran.code == 2
    assert "Canary-Text-f5" not in ran.out + ran.err


def test_adding_the_first_adviser_adds_no_demo_adviser(cli: Cli) -> None:
    add_adviser(cli)
    assert "demo" not in cli("adviser", "list").out


def configure_recovery(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> str:
    """Make a recovery key pair, configure its public half, return the private half."""
    keys = cli("recovery", "keygen").out
    public = re.search(r"MELDWIJZER_RECOVERY_PUBLIC_KEY=(\S+)", keys)
    assert public, keys
    monkeypatch.setenv("MELDWIJZER_RECOVERY_PUBLIC_KEY", public.group(1))
    return keys.strip().splitlines()[-1].strip()


def test_recovery_key_resets_a_forgotten_passphrase(
    cli: Cli, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    private = configure_recovery(cli, monkeypatch)
    add_adviser(cli)
    receipt = leave_signal(data_dir, "Canary-Text-f10")
    wrong = cli("adviser", "recover", NAME, stdin="not-a-key\nnew-passphrase-123\n")
    assert wrong.code == 2
    reset = cli("adviser", "recover", NAME, stdin=f"{private}\nnew-passphrase-123\n")
    assert reset.code == 0, reset.err
    prefix = first_signal_prefix_with(cli, "new-passphrase-123")
    opened = cli("adviser", "open", NAME, prefix, stdin="new-passphrase-123\n")
    assert "Canary-Text-f10" in opened.out, "signals sealed before the reset stay readable"
    assert cli("adviser", "inbox", NAME, stdin=PASSPHRASE + "\n").code == 2
    assert receipt


def test_without_a_recovery_key_configured_recovery_is_impossible(cli: Cli) -> None:
    add_adviser(cli)
    private = cli("recovery", "keygen").out.strip().splitlines()[-1].strip()
    ran = cli("adviser", "recover", NAME, stdin=f"{private}\nnew-passphrase-123\n")
    assert ran.code == 2 and "recovery" in ran.err


def first_signal_prefix_with(cli: Cli, passphrase: str) -> str:
    inbox = cli("adviser", "inbox", NAME, stdin=passphrase + "\n")
    assert inbox.code == 0, inbox.err
    return rows(inbox.out)[0][0]


def test_disable_stops_routing(cli: Cli, data_dir: Path) -> None:
    add_adviser(cli)
    add_adviser(cli, name="Canary-Name-cli2")
    disabled = cli("adviser", "disable", NAME)
    assert disabled.code == 0 and "disabled" in disabled.out
    assert "[disabled]" in cli("adviser", "list").out
    leave_signal(data_dir, "Canary-Text-f6")
    inbox = cli("adviser", "inbox", "Canary-Name-cli2", stdin=PASSPHRASE + "\n")
    assert len(rows(inbox.out)) == 1, "the other adviser still receives it"
    with contextlib.closing(sqlite3.connect(data_dir / "meldwijzer.db")) as db, db:
        holders = {row[0] for row in db.execute("SELECT adviser_id FROM signal_wraps")}
        ids = {row[0] for row in db.execute("SELECT id FROM advisers WHERE name = ?", (NAME,))}
    assert not holders & ids


def test_changing_the_passphrase_keeps_signals_readable(cli: Cli, data_dir: Path) -> None:
    add_adviser(cli)
    leave_signal(data_dir, "Canary-Text-f7")
    new = "canary-new-passphrase-92"
    changed = cli("adviser", "passphrase", NAME, stdin=f"{PASSPHRASE}\n{new}\n")
    assert changed.code == 0, changed.err
    prefix = rows(cli("adviser", "inbox", NAME, stdin=new + "\n").out)[0][0]
    opened = cli("adviser", "open", NAME, prefix, stdin=new + "\n")
    assert "Canary-Text-f7" in opened.out
    assert cli("adviser", "inbox", NAME, stdin=PASSPHRASE + "\n").code == 2


def test_changing_the_passphrase_needs_the_old_one(cli: Cli) -> None:
    add_adviser(cli)
    ran = cli("adviser", "passphrase", NAME, stdin="wrong-old-passphrase\nwhatever-new-one-1\n")
    assert ran.code == 2
    assert cli("adviser", "inbox", NAME, stdin=PASSPHRASE + "\n").code == 0


@pytest.fixture(scope="module")
def audited_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder whose audit log has seven rows: each command unlocks, then opens, replies or
    closes (made once)."""
    folder = tmp_path_factory.mktemp("audited") / "data"
    with pytest.MonkeyPatch.context() as monkeypatch:
        environment(monkeypatch, folder)
        cli = command_line(monkeypatch)
        add_adviser(cli)
        leave_signal(folder, "Canary-Text-f8")
        prefix = first_signal_prefix(cli)
        for action, extra in (
            ("open", ()),
            ("reply", ("--text", "Canary-Text-f9")),
            ("close", ("--outcome", "advice", "--yes")),
        ):
            ran = cli("adviser", action, NAME, prefix, *extra, stdin=PASSPHRASE + "\n")
            assert ran.code == 0, ran.err
    return folder


@pytest.fixture
def audited(audited_folder: Path, data_dir: Path) -> Path:
    shutil.copytree(audited_folder, data_dir)
    return data_dir / "meldwijzer.db"


def test_an_intact_audit_log_verifies(cli: Cli, audited: Path) -> None:
    ran = cli("audit", "verify")
    assert ran.code == 0
    assert "intact: 7 rows" in ran.out


def test_an_altered_audit_row_is_named(cli: Cli, audited: Path) -> None:
    with contextlib.closing(sqlite3.connect(audited)) as db, db:
        db.execute("UPDATE audit_log SET action = 'reply' WHERE id = 3")
    ran = cli("audit", "verify")
    assert ran.code == 1
    assert "BROKEN at row 3" in ran.out


def test_a_deleted_audit_row_is_noticed(cli: Cli, audited: Path) -> None:
    with contextlib.closing(sqlite3.connect(audited)) as db, db:
        db.execute("DELETE FROM audit_log WHERE id = 2")
    ran = cli("audit", "verify")
    assert ran.code == 1
    assert "BROKEN at row 3" in ran.out


def test_an_adviser_enrolled_earlier_gets_the_recovery_wrap_on_a_passphrase_change(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_adviser(cli)
    private = configure_recovery(cli, monkeypatch)
    before = cli("adviser", "recover", NAME, stdin=f"{private}\nnew-passphrase-123\n")
    assert before.code == 2, "no recovery wrap yet"
    changed = cli("adviser", "passphrase", NAME, stdin=f"{PASSPHRASE}\nsecond-passphrase-1\n")
    assert changed.code == 0, changed.err
    after = cli("adviser", "recover", NAME, stdin=f"{private}\nthird-passphrase-12\n")
    assert after.code == 0, after.err
    assert cli("adviser", "inbox", NAME, stdin="third-passphrase-12\n").code == 0


# ---- passphrase strength --------------------------------------------------------------


@pytest.mark.parametrize(
    "weak",
    ["wachtwoord1234", "aaaaaaaaaaaaaaaa", "password12345", "demo-passphrase"],
)
def test_a_weak_or_public_passphrase_is_refused_and_adds_nobody(cli: Cli, weak: str) -> None:
    ran = cli("adviser", "add", NAME, stdin=weak + "\n")
    assert ran.code == 2
    assert "passphrase" in ran.err and "Traceback" not in ran.err
    assert NAME not in cli("adviser", "list").out


def test_changing_to_a_weak_passphrase_is_refused(cli: Cli) -> None:
    add_adviser(cli)
    ran = cli("adviser", "passphrase", NAME, stdin=f"{PASSPHRASE}\nwachtwoord1234\n")
    assert ran.code == 2
    assert "too easy to guess" in ran.err
    assert cli("adviser", "inbox", NAME, stdin=PASSPHRASE + "\n").code == 0, "old one still works"


async def test_the_demo_passphrase_is_refused_in_production(tmp_path: Path) -> None:
    settings = Settings(env="production", data_dir=tmp_path / "data", **TEST_KDF)  # type: ignore[arg-type]
    services = build_services(Settings(data_dir=tmp_path / "data", **TEST_KDF))  # type: ignore[arg-type]
    try:
        await prepare_database(services, seed_demo=True)
        secret = server_secret(None, settings.data_dir)
        production = build_signal_services(settings, services.sessions, secret)
        adviser = await production.registry.add(NewAdviser(name="Canary-Name-prod"))
        with pytest.raises(InputError, match="demo passphrase"):
            await production.registry.enrol(adviser.id, DEMO_PASSPHRASE)
        await production.registry.enrol(adviser.id, PASSPHRASE)
        key, _ = await production.sessions.check_passphrase(adviser.id, PASSPHRASE)
        with pytest.raises(InputError, match="demo passphrase"):
            await production.registry.change_passphrase(adviser.id, key, DEMO_PASSPHRASE)
        # In development only the demo adviser may have it: that is what the README promises.
        with pytest.raises(InputError, match="demo passphrase"):
            await services.signals.registry.enrol(adviser.id, DEMO_PASSPHRASE)
        demo = next(a for a in await services.signals.registry.all() if a.demo)
        await services.signals.registry.enrol(demo.id, DEMO_PASSPHRASE)
    finally:
        await services.close()


# ---- key rotation ---------------------------------------------------------------------


def stored_keyring(data_dir: Path, adviser_id: str) -> AdviserKeyring:
    with contextlib.closing(sqlite3.connect(data_dir / "meldwijzer.db")) as db:
        (raw,) = db.execute("SELECT keyring FROM advisers WHERE id = ?", (adviser_id,)).fetchone()
    return AdviserKeyring.from_dict(json.loads(raw))


def wraps_of(data_dir: Path, adviser_id: str) -> list[tuple[str, bytes, bytes]]:
    with contextlib.closing(sqlite3.connect(data_dir / "meldwijzer.db")) as db:
        return db.execute(
            "SELECT w.signal_id, s.public_key, w.sealed FROM signal_wraps w"
            " JOIN signals s ON s.id = w.signal_id WHERE w.adviser_id = ?",
            (adviser_id,),
        ).fetchall()


def test_rotating_the_key_rewraps_every_signal(cli: Cli, data_dir: Path) -> None:
    adviser_id = add_adviser(cli)
    receipts = [leave_signal(data_dir, f"Canary-Text-rot{n}") for n in range(3)]
    old_key = stored_keyring(data_dir, adviser_id).unlock(PASSPHRASE)
    ran = cli("adviser", "rotate-key", NAME, stdin=PASSPHRASE + "\n")
    assert ran.code == 0, ran.err
    assert "3 signal(s) re-wrapped" in ran.out
    fresh = stored_keyring(data_dir, adviser_id)
    assert fresh.public_key != public_key_bytes(old_key)
    for signal_id, public, sealed in wraps_of(data_dir, adviser_id):
        with pytest.raises(CryptoError):
            open_signal_key_as_adviser(signal_id, public, adviser_id, old_key, sealed)
    inbox = cli("adviser", "inbox", NAME, stdin=PASSPHRASE + "\n")
    assert inbox.code == 0 and len(rows(inbox.out)) == 3
    for prefix in (row[0] for row in rows(inbox.out)):
        opened = cli("adviser", "open", NAME, prefix, stdin=PASSPHRASE + "\n")
        assert opened.code == 0 and "Canary-Text-rot" in opened.out
    assert "Your signal is open" in reporter_reads(data_dir, receipts[0]), "the receipt still works"
    assert "rotate_key" in audit_actions(data_dir)


def audit_actions(data_dir: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(data_dir / "meldwijzer.db")) as db:
        return [a for (a,) in db.execute("SELECT action FROM audit_log ORDER BY id")]


def test_rotating_the_key_ends_open_sessions(cli: Cli, data_dir: Path) -> None:
    add_adviser(cli)
    leave_signal(data_dir, "Canary-Text-rot9")

    async def unlocked_in_chat(services: Services) -> int:
        desk = await adviser_in_teams(services, "aad-rotate", name="Canary-Name-rot")
        await desk.unlock()
        async with services.sessions() as db:
            return len((await db.execute(text("SELECT id FROM adviser_sessions"))).all())

    assert in_the_bot(data_dir, unlocked_in_chat) == 1
    ran = cli("adviser", "rotate-key", "Canary-Name-rot", stdin=PASSPHRASE_CHAT + "\n")
    assert ran.code == 0, ran.err
    with contextlib.closing(sqlite3.connect(data_dir / "meldwijzer.db")) as db:
        assert db.execute("SELECT count(*) FROM adviser_sessions").fetchone() == (0,)


def test_rotating_needs_the_passphrase(cli: Cli, data_dir: Path) -> None:
    adviser_id = add_adviser(cli)
    before = stored_keyring(data_dir, adviser_id)
    ran = cli("adviser", "rotate-key", NAME, stdin="not-the-passphrase-at-all\n")
    assert ran.code != 0
    assert stored_keyring(data_dir, adviser_id) == before


def test_rotating_the_key_renews_the_recovery_wrap(
    cli: Cli, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    private = configure_recovery(cli, monkeypatch)
    adviser_id = add_adviser(cli)
    leave_signal(data_dir, "Canary-Text-rot-rec")
    before = stored_keyring(data_dir, adviser_id)
    assert cli("adviser", "rotate-key", NAME, stdin=PASSPHRASE + "\n").code == 0
    after = stored_keyring(data_dir, adviser_id)
    assert after.recovery_wrap is not None and after.recovery_wrap != before.recovery_wrap
    recovered = cli("adviser", "recover", NAME, stdin=f"{private}\nfourth-passphrase-12\n")
    assert recovered.code == 0, recovered.err
    prefix = first_signal_prefix_with(cli, "fourth-passphrase-12")
    opened = cli("adviser", "open", NAME, prefix, stdin="fourth-passphrase-12\n")
    assert "Canary-Text-rot-rec" in opened.out


def test_disable_tells_what_happened_to_the_signals(cli: Cli, data_dir: Path) -> None:
    add_adviser(cli)
    leave_signal(data_dir, "Canary-Text-dis-cli")
    ran = cli("adviser", "disable", NAME)
    assert ran.code == 0, ran.err
    assert "0 open signal(s) handed over" in ran.out
    assert "1 open signal(s) can be read by nobody else and wait" in ran.out
    assert "removed after 30 days" in ran.out


def test_recovering_to_a_weak_passphrase_is_refused(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    private = configure_recovery(cli, monkeypatch)
    add_adviser(cli)
    ran = cli("adviser", "recover", NAME, stdin=f"{private}\nwachtwoord1234\n")
    assert ran.code == 2
    assert "too easy to guess" in ran.err
    assert cli("adviser", "inbox", NAME, stdin=PASSPHRASE + "\n").code == 0
