"""``meldwijzer outbox list`` and ``outbox retry`` as an admin types them."""

from __future__ import annotations

import asyncio
import io
import sys
from collections import deque
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import migrate
from bot.cli import main
from bot.db import create_engine, session_factory, sqlite_url
from bot.errors import DeliveryError
from bot.outbox.models import DEAD, PENDING, SENT
from bot.outbox.store import OutboxStore
from bot.outbox.worker import OutboxWorker
from tests.outbox.conftest import POLICY, START
from tests.outbox.fakes import Clock, Composer, ScriptedChannel, UpperBound, delivery, queue

T = TypeVar("T")
Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv("MELDWIJZER_DATA_DIR", str(folder))
    monkeypatch.delenv("MELDWIJZER_DATABASE_URL", raising=False)
    return folder


def on_database(data_dir: Path, action: Callable[[Sessions], Awaitable[T]]) -> T:
    """Runs ``action`` on the CLI's own SQLite file, as a server sharing it would."""

    async def go() -> T:
        engine = create_engine(sqlite_url(data_dir))
        try:
            await migrate.upgrade(engine)
            return await action(session_factory(engine))
        finally:
            await engine.dispose()

    return asyncio.run(go())


def outbox(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *argv: str
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    code = main(["outbox", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_dead_one_pending(data_dir: Path) -> tuple[str, str]:
    async def make(sessions: Sessions) -> tuple[str, str]:
        (dead,) = await queue(sessions, 1, START)
        refusal = DeliveryError("403 MessageWritesBlocked", retryable=False)
        channel = ScriptedChannel(errors=deque([refusal]))
        store = OutboxStore(sessions, POLICY, UpperBound())
        await OutboxWorker(sessions, store, Composer(), [channel], now=Clock(START)).run_once()
        (pending,) = await queue(sessions, 1, START.replace(year=2099))
        return dead, pending

    return on_database(data_dir, make)


def status_of(data_dir: Path, delivery_id: str) -> str:
    async def read(sessions: Sessions) -> str:
        return (await delivery(sessions, delivery_id)).status

    return on_database(data_dir, read)


def test_list_on_an_empty_outbox_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    assert outbox(monkeypatch, capsys, "list") == (0, "the outbox is empty\n", "")
    assert outbox(monkeypatch, capsys, "list", "--dead") == (0, "no dead notices\n", "")


def test_list_shows_every_notice_and_dead_only_the_dead(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    dead, pending = one_dead_one_pending(data_dir)
    code, out, _ = outbox(monkeypatch, capsys, "list")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{dead}  dead ") and "last error: log 403 Message" in lines[0]
    assert "attempts 1" in lines[0] and "due 2026-03-02 13:00 UTC" in lines[0]
    assert lines[1].startswith(f"{pending}  pending")
    code, out, _ = outbox(monkeypatch, capsys, "list", "--dead")
    assert [line.split()[0] for line in out.splitlines()] == [dead]


def test_retry_by_id_prefix_makes_a_dead_notice_due_and_it_is_sent(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    dead, _ = one_dead_one_pending(data_dir)
    code, out, _ = outbox(monkeypatch, capsys, "retry", dead[:8].upper())
    assert (code, out) == (0, f"notice {dead} will be sent again now\n")
    assert status_of(data_dir, dead) == PENDING

    async def send(sessions: Sessions) -> list[str]:
        channel = ScriptedChannel()
        store = OutboxStore(sessions, POLICY, UpperBound())
        await OutboxWorker(sessions, store, Composer(), [channel]).run_once()
        return [notice.key for _, notice in channel.delivered]

    assert len(on_database(data_dir, send)) == 1
    assert status_of(data_dir, dead) == SENT


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("0123456789abcdef", "no notice with id 0123456789abcdef"),
        ("xyz", "a notice id is 8 to 32 hexadecimal characters"),
        ("pending", "is pending, not dead"),
    ],
)
def test_retry_of_a_wrong_id_says_why_and_changes_nothing(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    data_dir: Path,
    given: str,
    message: str,
) -> None:
    dead, pending = one_dead_one_pending(data_dir)
    code, out, err = outbox(monkeypatch, capsys, "retry", pending if given == "pending" else given)
    assert (code, out) == (2, "")
    assert message in err and "Traceback" not in err
    assert (status_of(data_dir, dead), status_of(data_dir, pending)) == (DEAD, PENDING)


def test_retry_all_dead_counts_them(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    dead, pending = one_dead_one_pending(data_dir)
    code, out, _ = outbox(monkeypatch, capsys, "retry", "--all-dead")
    assert (code, out) == (0, "1 dead notice(s) will be sent again now\n")
    assert (status_of(data_dir, dead), status_of(data_dir, pending)) == (PENDING, PENDING)


def test_retry_needs_an_id_or_all_dead(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        outbox(monkeypatch, capsys, "retry")
    assert exit_.value.code == 2
    with pytest.raises(SystemExit):
        outbox(monkeypatch, capsys, "retry", "0123456789abcdef", "--all-dead")
