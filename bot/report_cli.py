"""``meldwijzer report``: the year's picture as HTML, CSV or JSON, for the admin only.

It reads the database of the settings and never writes to it. What can be checked before
reading is checked first (the year, the output file), and the file is written whole or not
at all, so a refused run leaves nothing behind.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from bot.errors import InputError
from bot.settings import Settings
from bot.stats.recorder import flush_minutes
from bot.stats.report_output import FORMATS, render
from bot.stats.report_texts import LANGUAGES
from bot.stats.report_year import PublishedYear, published_quarters

FIRST_YEAR = 2000
STDOUT = "-"


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = commands.add_parser(
        "report", help="the year's statistics for the annual report (html, csv or json)"
    )
    report.add_argument("--year", type=_year, required=True, help="the calendar year, e.g. 2026")
    report.add_argument("--lang", choices=LANGUAGES, default="nl", help="language of the page")
    report.add_argument("--format", choices=FORMATS, default="html")
    report.add_argument("--out", required=True, help="the file to write, or - for the screen")
    report.add_argument(
        "--draft", action="store_true", help="include the running quarter (not for publication)"
    )
    report.set_defaults(run=run_report)


def _year(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not FIRST_YEAR <= int(text) <= 9999:
        raise argparse.ArgumentTypeError(f"give a year like 2026, not {text!r}")
    return int(text)


def run_report(args: argparse.Namespace, settings: Settings) -> int:
    now = datetime.now(settings.zone)
    settled = now - timedelta(minutes=flush_minutes(settings))
    quarters = published_quarters(args.year, now.date(), draft=args.draft, settled=settled.date())
    out = None if args.out == STDOUT else _writable(Path(args.out))
    year = asyncio.run(_published(settings, args.year, quarters, draft=args.draft))
    text = render(year, args.format, args.lang)
    if out is None:
        sys.stdout.write(text)
    else:
        _write_whole(out, text)
        print(f"report for {args.year} written to {out}", file=sys.stderr)
    return 0


def _writable(path: Path) -> Path:
    if path.is_dir():
        raise InputError(f"--out {path} is a folder; give a file name")
    folder = path.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"--out {path}: cannot write in the folder {folder}")
    if path.exists() and not os.access(path, os.W_OK):
        raise InputError(f"--out {path}: that file may not be overwritten")
    return path


def _write_whole(path: Path, text: str) -> None:
    """Write beside the target and rename: nobody ever sees half a report."""
    try:
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".report-", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"--out {path}: {exc.strerror or type(exc).__name__}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise InputError(f"--out {path}: {exc.strerror or type(exc).__name__}") from None


async def _published(
    settings: Settings, year: int, quarters: tuple[str, ...], *, draft: bool
) -> PublishedYear:
    # Imported here: disclosure control pulls in scipy, which no other command needs.
    from bot.stats.report import build_report
    from bot.stats.report_database import read_counts
    from bot.stats.report_tables import unit_group_rows
    from bot.stats.unit_groups import UnitGroups

    configured = UnitGroups.load(settings.knowledge_dir).names  # statistics.toml, if any
    counts = await read_counts(settings, year)
    return build_report(
        counts,
        year,
        settings.report_threshold,
        quarters,
        draft=draft,
        organisation=settings.organisation,
        unit_groups=unit_group_rows(configured, counts),
    )
