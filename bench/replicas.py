"""One or more ``meldwijzer serve`` replicas for a benchmark, on one database.

Each replica is the real command line in its own process (``tests/crash/serve_process``),
so a benchmark measures what an admin runs. SQLite is one file in a temporary folder that
every replica shares (WAL); PostgreSQL is the database at ``--database-url``, upgraded
once with ``meldwijzer db upgrade`` before the replicas start, as docs/deploy.md says.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.crash.serve_process import REPO, ServeProcess, free_port

# Settings every benchmark replica runs with: counts written once a day (as in production),
# no demo adviser, generous limits so the limits are not what is measured.
BENCH_SETTINGS: Mapping[str, str] = {
    "MELDWIJZER_STATS_FLUSH_MINUTES": "1440",
    "MELDWIJZER_DEMO_ADVISER": "false",
    "MELDWIJZER_NEW_CONVERSATIONS_PER_MINUTE": "100000",
    "MELDWIJZER_NEW_CONVERSATIONS_BURST": "100000",
    # As the shipped systemd unit and Dockerfile run it (docs/deploy.md, "Memory").
    "MALLOC_ARENA_MAX": "2",
    # One secret for all replicas, as docs/deploy.md requires (a benchmark value, never real).
    "MELDWIJZER_SECRET": "bench-secret-" + "0" * 40,
}


@dataclass(frozen=True, slots=True)
class Replicas:
    """The replicas' base URLs (``http://127.0.0.1:PORT``) and their processes."""

    urls: tuple[str, ...]
    processes: tuple[ServeProcess, ...]


def upgrade(env: Mapping[str, str]) -> None:
    """``meldwijzer db upgrade`` with ``env``: the one migration step before any replica."""
    subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade"],
        cwd=REPO,
        env={**_inherited(), **env},
        check=True,
        capture_output=True,
    )


@contextlib.contextmanager
def running(
    count: int, *, database_url: str | None = None, settings: Mapping[str, str] | None = None
) -> Iterator[Replicas]:
    """``count`` replicas on SQLite (a fresh file) or on ``database_url``; stopped after."""
    with tempfile.TemporaryDirectory(prefix="meldwijzer-bench-") as folder:
        env = {**BENCH_SETTINGS, **(settings or {}), "MELDWIJZER_DATA_DIR": folder}
        if database_url:
            env["MELDWIJZER_DATABASE_URL"] = database_url
        upgrade(env)
        processes = tuple(
            ServeProcess(env, free_port(), Path(folder) / f"replica-{n}.log") for n in range(count)
        )
        try:
            for process in processes:
                process.start()
            yield Replicas(tuple(p.base_url for p in processes), processes)
        finally:
            for process in processes:
                process.stop()


def _inherited() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("MELDWIJZER_")}
