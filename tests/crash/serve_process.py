"""``meldwijzer serve`` as a child process that a test starts, kills with SIGKILL and restarts.

The child is the real command line (``python -m bot.cli serve``) with its settings in the
environment, so nothing of the test process leaks into it: no shared engine, no shared
event loop, no fixtures. Its log goes to a file next to its data folder, for the failure
message only.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path

READY = "Meldwijzer is running"
START_SECONDS = 240.0  # a cold start on a loaded two-core machine; normally a few seconds
REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A loopback port nobody listens on now; the server binds it again after each restart."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class ServeProcess:
    """One ``meldwijzer serve`` at a time on a fixed port, with its environment."""

    def __init__(self, env: Mapping[str, str], port: int, log: Path) -> None:
        # Only the settings given here: none of the caller's MELDWIJZER_* reach the server.
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("MELDWIJZER_")}
        self.env = {**inherited, **env}
        self.port = port
        self.log = log
        self.starts = 0
        self._child: subprocess.Popen[str] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start the server and wait until it says the database is ready and the port open."""
        assert self._child is None, "the previous server is still running"
        self.starts += 1
        with self.log.open("a") as log:
            log.write(f"---- start {self.starts}\n")
            self._child = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "serve", "--port", str(self.port)],
                cwd=REPO,
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        assert self._child.stdout is not None
        # A server that hangs before printing is killed, which ends the read below.
        watchdog = threading.Timer(START_SECONDS, self._child.kill)
        watchdog.start()
        try:
            for line in self._child.stdout:  # the ready line is the only thing serve prints
                if READY in line:
                    return
        finally:
            watchdog.cancel()
        self.kill()
        raise AssertionError(f"serve did not start; its log:\n{self.log.read_text()[-4000:]}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hook, no flush, no rollback runs in the server."""
        child = self._take()
        if child is not None:
            child.send_signal(signal.SIGKILL)
            child.wait()

    def stop(self) -> None:
        """An orderly stop (SIGTERM, as a service manager sends it)."""
        child = self._take()
        if child is not None:
            child.terminate()
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()

    def terminate(self) -> None:
        """SIGTERM without waiting: the test watches the stop as it happens."""
        assert self._child is not None, "no server is running"
        self._child.terminate()

    def exit_code(self, timeout: float = 60.0) -> int:
        """Wait for the server to end on its own after :meth:`terminate`; its exit status."""
        child = self._take()
        assert child is not None, "no server was running"
        return child.wait(timeout=timeout)

    def _take(self) -> subprocess.Popen[str] | None:
        child, self._child = self._child, None
        if child is not None and child.stdout is not None:
            child.stdout.close()
        return child
