"""A worker in a process of its own, as a replica runs it: ``-m tests.outbox.worker_process``.

It sends every due notice to a ``ReceivingFake`` over HTTP and stops when nothing is left
to send (no notice pending or sending), printing how many it sent. With ``--wait`` it first
prints ``ready`` and waits for a line on stdin, so several processes start together.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

import aiohttp
from sqlalchemy import func, select

from bot.db import create_engine, session_factory
from bot.outbox.models import PENDING, SENDING, DeliveryRow
from bot.outbox.policy import RetryPolicy
from bot.outbox.store import OutboxStore
from bot.outbox.worker import OutboxWorker
from tests.outbox.fakes import Composer, HttpChannel

ROOT = Path(__file__).resolve().parents[2]


async def spawn(
    database: str, receiver: str, *options: str, ready: bool = True
) -> asyncio.subprocess.Process:
    """Start this module as a process; with ``ready`` (``--wait``) it has printed "ready" and
    waits for a line on stdin before it works."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.outbox.worker_process",
        "--database",
        database,
        "--receiver",
        receiver,
        *options,
        *(["--wait"] if ready else []),
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE if ready else asyncio.subprocess.DEVNULL,
    )
    if ready:
        assert process.stdout is not None
        assert await process.stdout.readline() == b"ready\n"
    return process


async def work(args: argparse.Namespace) -> int:
    engine = create_engine(args.database)
    sessions = session_factory(engine)
    policy = RetryPolicy(10, 0.05, 0.5, args.lease, 14)
    http = aiohttp.ClientSession()
    worker = OutboxWorker(
        sessions,
        OutboxStore(sessions, policy),
        Composer(),
        [HttpChannel(args.receiver, http=http)],
        batch_size=args.batch,
    )
    if args.wait:
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    sent = 0
    try:
        while True:
            done = await worker.run_once()
            sent += done.sent
            if done.claimed == 0:
                async with sessions() as db:
                    left = await db.scalar(
                        select(func.count()).where(DeliveryRow.status.in_((PENDING, SENDING)))
                    )
                if not left:
                    break
                await asyncio.sleep(0.02)
    finally:
        await http.close()
        await engine.dispose()
    print(f"sent {sent}", flush=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--receiver", required=True)
    parser.add_argument("--lease", type=float, default=120.0)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--wait", action="store_true")
    return asyncio.run(work(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
