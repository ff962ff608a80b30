"""The dependency audit: real pip-audit against a fake OSV service on 127.0.0.1.

pip-audit's default service (PyPI's JSON API) has its address built in; OSV's can be given,
so the fake stands in for "the vulnerability database" in every state it can be in.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from scripts.audit_dependencies import (
    EXIT_BROKEN,
    EXIT_CLEAN,
    EXIT_VULNERABLE,
    UNREACHABLE,
    run,
    summarise,
    verdict,
)

PINNED = "requests==2.19.0\n"
VULN = {
    "id": "GHSA-x84v-xcm2-53pg",
    "aliases": ["CVE-2018-18074"],
    "summary": "Insecure Credential Handling in Requests",
    "affected": [
        {
            "package": {"name": "requests", "ecosystem": "PyPI"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.20.0"}]}],
        }
    ],
}


class FakeOsv:
    """Answers OSV's ``/v1/query`` with what the test sets; records the packages asked for."""

    def __init__(self) -> None:
        self.status = 200
        self.answer: dict[str, Any] = {}
        self.asked: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                query = json.loads(self.rfile.read(length))
                fake.asked.append(query["package"]["name"])
                body = json.dumps(fake.answer).encode()
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/v1/query"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def osv() -> Iterator[FakeOsv]:
    fake = FakeOsv()
    yield fake
    fake.close()


def _options(tmp_path: Path, url: str) -> list[str]:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(PINNED, encoding="utf-8")
    return [
        "--requirement", str(requirements), "--no-deps", "--disable-pip",
        "--vulnerability-service", "osv", "--osv-url", url,
        "--cache-dir", str(tmp_path / "cache"), "--timeout", "5",
    ]  # fmt: skip


def test_a_known_vulnerability_fails_the_audit(
    osv: FakeOsv, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    osv.answer = {"vulns": [VULN]}
    assert run(_options(tmp_path, osv.url)) == EXIT_VULNERABLE
    out = capsys.readouterr().out
    [line] = [line for line in out.splitlines() if line.startswith("  requests 2.19.0: ")]
    assert "GHSA-x84v-xcm2-53pg" in line and "CVE-2018-18074" in line
    assert line.endswith("(fixed in 2.20.0)")
    assert osv.asked == ["requests"]


def test_no_known_vulnerability_passes(
    osv: FakeOsv, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(_options(tmp_path, osv.url)) == EXIT_CLEAN
    assert "no known vulnerabilities in 1 packages" in capsys.readouterr().out


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_service_is_reported_and_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/v1/query"
    assert run(_options(tmp_path, url)) == EXIT_CLEAN
    assert UNREACHABLE in capsys.readouterr().out


def test_a_failing_service_is_reported_and_passes(
    osv: FakeOsv, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    osv.status = 503
    assert run(_options(tmp_path, osv.url)) == EXIT_CLEAN
    assert UNREACHABLE in capsys.readouterr().out


def test_a_broken_invocation_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--requirement", str(tmp_path / "missing.txt")]) == EXIT_BROKEN
    assert "pip-audit failed" in capsys.readouterr().out


def test_a_service_that_knows_no_package_is_not_a_pass() -> None:
    # What a package mirror without PyPI's JSON API yields: every package skipped, and
    # pip-audit's own summary "No known vulnerabilities found".
    report = {
        "dependencies": [
            {"name": name, "skip_reason": f"Dependency not found on PyPI: {name}"}
            for name in ("aiohttp", "cryptography")
        ],
        "fixes": [],
    }
    status, lines = verdict(summarise(report))
    assert status == EXIT_CLEAN
    assert lines == [f"{UNREACHABLE} (it answered for none of the 2 installed packages)"]
