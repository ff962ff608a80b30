"""A lock holder in a process of its own, as another replica runs it.

Run as ``-m tests.bot.leader_process``: it takes the lock named on the command line with
short intervals and, once its work starts, prints ``leading`` and leads until it is killed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from bot.leadership import ListenerLock
from bot.stopping import Stopping

ROOT = Path(__file__).resolve().parents[2]


async def spawn(database: str, name: str) -> asyncio.subprocess.Process:
    """Start this module as a process and return once it leads."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.bot.leader_process",
        "--database",
        database,
        "--name",
        name,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    assert await process.stdout.readline() == b"leading\n"
    return process


async def lead(database: str, name: str) -> None:
    lock = ListenerLock(database, name, poll_seconds=0.05, check_seconds=0.05)

    async def work() -> None:
        print("leading", flush=True)
        await asyncio.Event().wait()

    await lock.run_while_leading(work, Stopping())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--name", required=True)
    args = parser.parse_args()
    asyncio.run(lead(args.database, args.name))


if __name__ == "__main__":
    main()
