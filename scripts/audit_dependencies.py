"""Audit the installed, pinned dependencies for known vulnerabilities with pip-audit.

Run: ``.venv/bin/python -m scripts.audit_dependencies [pip-audit options]`` (``make audit``).
Exit status: 0 when nothing known is found, and also when the vulnerability database could
not be reached (it says so on one line: a machine without that route must still be able to
run the tests); 1 when a vulnerability is found; 2 when pip-audit itself failed otherwise.

By default pip-audit asks PyPI's JSON API (``-s pypi``), the package index pip already talks
to. A mirror that does not serve that API answers 404 for every package, which pip-audit
reports as "skipped" and then as "No known vulnerabilities found": here that is "could not
audit", never a pass in disguise.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EXIT_CLEAN = 0
EXIT_VULNERABLE = 1
EXIT_BROKEN = 2
TIMEOUT_SECONDS = 600
# What requests, urllib3 and pip-audit print when the service cannot be reached or answers
# with an error of its own (pip_audit/_service/interface.py: ConnectionError, ServiceError).
UNREACHABLE_MARKERS = (
    "ConnectionError",
    "ConnectTimeout",
    "ReadTimeout",
    "Max retries exceeded",
    "NameResolutionError",
    "Name or service not known",
    "Connection refused",
    "Could not connect",
    "ServiceError",
    "network may be blocking",
)
UNREACHABLE = (
    "dependency audit: the vulnerability database could not be reached; dependencies NOT audited"
)


@dataclass(frozen=True, slots=True)
class Finding:
    name: str
    version: str
    ids: tuple[str, ...]
    fixed_in: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Summary:
    audited: int
    skipped: tuple[str, ...]
    findings: tuple[Finding, ...]


def summarise(report: dict[str, Any]) -> Summary:
    """The counts and findings of pip-audit's JSON report (``-f json``)."""
    audited = 0
    skipped: list[str] = []
    findings: list[Finding] = []
    for dependency in report.get("dependencies", []):
        if "skip_reason" in dependency:
            skipped.append(str(dependency.get("name", "?")))
            continue
        audited += 1
        for vuln in dependency.get("vulns", []):
            findings.append(
                Finding(
                    name=str(dependency.get("name", "?")),
                    version=str(dependency.get("version", "?")),
                    ids=(str(vuln.get("id", "?")), *map(str, vuln.get("aliases", []))),
                    fixed_in=tuple(map(str, vuln.get("fix_versions", []))),
                )
            )
    return Summary(audited, tuple(skipped), tuple(findings))


def verdict(summary: Summary) -> tuple[int, list[str]]:
    """Exit status and the lines to print for one report."""
    if summary.findings:
        lines = [f"dependency audit: known vulnerabilities found: {len(summary.findings)}"]
        for found in summary.findings:
            fix = ", ".join(found.fixed_in) or "no fixed version yet"
            lines.append(
                f"  {found.name} {found.version}: {' / '.join(found.ids)} (fixed in {fix})"
            )
        return EXIT_VULNERABLE, lines
    if not summary.audited:
        return EXIT_CLEAN, [
            f"{UNREACHABLE} (it answered for none of the {len(summary.skipped)} installed packages)"
        ]
    lines = [f"dependency audit: no known vulnerabilities in {summary.audited} packages"]
    if summary.skipped:
        lines.append(f"  not audited (unknown to the service): {', '.join(summary.skipped)}")
    return EXIT_CLEAN, lines


def run(options: list[str]) -> int:
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "report.json"
        command = [
            sys.executable, "-m", "pip_audit", "--skip-editable", "--progress-spinner", "off",
            "--format", "json", "--output", str(output), *options,
        ]  # fmt: skip
        try:
            done = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
                command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
            )
        except subprocess.TimeoutExpired:
            print(f"{UNREACHABLE} (no answer within {TIMEOUT_SECONDS} s)")
            return EXIT_CLEAN
        report = _read(output)
    if report is not None:
        status, lines = verdict(summarise(report))
    elif any(marker in done.stderr for marker in UNREACHABLE_MARKERS):
        status, lines = EXIT_CLEAN, [UNREACHABLE]
    else:
        tail = done.stderr.strip().splitlines()[-5:]
        status, lines = EXIT_BROKEN, ["dependency audit: pip-audit failed", *tail]
    print("\n".join(lines))
    return status


def _read(path: Path) -> dict[str, Any] | None:
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
