"""Shared by the benchmarks: the machine they ran on, and updating a section of RESULTS.md."""

from __future__ import annotations

import multiprocessing
import platform
import re
from pathlib import Path


def machine_line() -> str:
    """``2 CPUs (Intel Xeon …), Python 3.11.7`` — the facts a reader needs to compare runs."""
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        model = found.group(1).strip() if found else model
    return f"{multiprocessing.cpu_count()} CPUs ({model}), Python {platform.python_version()}"


def write_section(path: Path, title: str, lines: list[str]) -> None:
    """Replace the ``## title`` section if the file has it, else append it."""
    heading = f"## {title}"
    text = "\n".join([heading, "", *lines]).rstrip() + "\n"
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    if pattern.search(old):
        new = pattern.sub(lambda _: text + "\n", old, count=1).rstrip() + "\n"
    else:
        new = old.rstrip() + "\n\n" + text
    path.write_text(new, encoding="utf-8")
