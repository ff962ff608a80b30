"""The ``meldwijzer`` command: serve, chat, ask, knowledge check, db upgrade, adviser, audit."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

from bot.adviser_cli import add_commands as add_adviser_commands
from bot.errors import MeldwijzerError
from bot.outbox_cli import add_commands as add_outbox_commands
from bot.report_cli import add_commands as add_report_commands
from bot.settings import Settings, load_settings

EXIT_USAGE = 2
DESCRIPTION = (
    "Meldwijzer: serve the bot, chat in the terminal, ask which topic fits, check the "
    "knowledge base, upgrade the database, manage advisers and the audit log, and see the "
    "notices sent to advisers."
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return EXIT_USAGE
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        settings = load_settings()
        result: int = args.run(args, settings)
        return result
    except MeldwijzerError as exc:
        print(f"meldwijzer: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="meldwijzer", description=DESCRIPTION)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    serve = commands.add_parser("serve", help="start the bot (web chat at http://HOST:PORT/)")
    serve.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default 3978)")
    serve.set_defaults(run=_serve)

    chat = commands.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument("--lang", choices=("nl", "en"), default=None)
    chat.set_defaults(run=_chat)

    ask = commands.add_parser("ask", help="the topic the bot would pick for a question")
    ask.add_argument("--lang", choices=("nl", "en"), default=None)
    ask.add_argument("--json", action="store_true", help="one JSON object per line")
    ask.add_argument("text", nargs="*", help="the question; without it, one per line on stdin")
    ask.set_defaults(run=_ask)

    knowledge = commands.add_parser("knowledge", help="work with the knowledge base")
    knowledge_commands = knowledge.add_subparsers(metavar="ACTION", required=True)
    check = knowledge_commands.add_parser("check", help="check every content file")
    check.set_defaults(run=_knowledge_check)

    db = commands.add_parser("db", help="the database")
    db_commands = db.add_subparsers(metavar="ACTION", required=True)
    upgrade = db_commands.add_parser("upgrade", help="bring the schema up to date")
    upgrade.set_defaults(run=_db_upgrade)

    add_adviser_commands(commands)
    add_outbox_commands(commands)
    add_report_commands(commands)

    teams = commands.add_parser("teams", help="Microsoft Teams")
    teams_commands = teams.add_subparsers(metavar="ACTION", required=True)
    package = teams_commands.add_parser("package", help="write the Teams app package (zip)")
    package.add_argument("--out", type=Path, default=Path("meldwijzer-teams.zip"))
    package.add_argument("--version", default="1.0.0", help="the app version in the manifest")
    package.set_defaults(run=_teams_package)
    return parser


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import create_app
    from bot.server import ServerLimits, run

    host = args.host or settings.host
    port = args.port if args.port is not None else settings.port
    settings = settings.model_copy(update={"host": host, "port": port})
    app = create_app(settings)
    ready = f"Meldwijzer is running: web chat at http://{host}:{port}/  (Ctrl+C to stop)"
    # Called once the database is ready and the port is open.
    limits = ServerLimits.from_settings(settings)
    drain = settings.http_drain_seconds
    run(app, host, port, limits, lambda: print(ready, flush=True), drain_seconds=drain)
    return 0


def _chat(args: argparse.Namespace, settings: Settings) -> int:
    from adapters.console import ConsoleChannel
    from adapters.console.locale import locale_from_environment
    from bot.app import build_services, prepare_database

    # The terminal is for people: keep the log quiet unless something is wrong.
    logging.getLogger().setLevel(logging.WARNING)

    async def run() -> None:
        services = build_services(settings)
        try:
            await prepare_database(services, seed_demo=True)
            # The classifier learns while the greeting is read: a question typed sooner waits
            # for it (a few seconds), the greeting never does.
            warming = asyncio.ensure_future(asyncio.to_thread(services.knowledge.matcher.warm))
            channel = ConsoleChannel(
                services.conversations,
                sys.stdin,
                sys.stdout,
                locale=args.lang or locale_from_environment(os.environ),
                ask_secret=getpass.getpass if sys.stdin.isatty() else None,
            )
            await channel.run()
            await warming
        finally:
            await services.signals.stats.flush()  # what this chat counted
            await services.close()

    asyncio.run(run())
    return 0


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    from bot.knowledge_settings import load_knowledge
    from knowledge.matcher import match_to_json

    knowledge = load_knowledge(settings)
    lines: Iterable[str] = [" ".join(args.text)] if args.text else sys.stdin
    as_json = args.json or not args.text
    for line in lines:
        text = line.rstrip("\n")
        if not text.strip():
            continue
        result = match_to_json(knowledge.match(text, args.lang))
        _write_match(sys.stdout, result, as_json)
    return 0


def _write_match(out: TextIO, result: dict[str, object], as_json: bool) -> None:
    if as_json:
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    else:
        out.write(f"{result['topic']}\t{result['score']}\t{result['lang']}\n")
    out.flush()


def _knowledge_check(args: argparse.Namespace, settings: Settings) -> int:
    from bot.knowledge_settings import load_knowledge
    from knowledge.check import check, content_today

    knowledge = load_knowledge(settings)
    report = check(knowledge, today=content_today())
    for line in report.lines():
        print(line)
    print(report.summary(len(knowledge.ids())))
    return report.exit_code


def _teams_package(args: argparse.Namespace, settings: Settings) -> int:
    from adapters.teams.package import write_app_package

    written = write_app_package(settings, args.out, version=args.version)
    print(f"Teams app package written to {written}")
    return 0


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from bot import migrate
    from bot.app import prepare_data_dir
    from bot.db import create_engine, sqlite_url

    async def run() -> None:
        if settings.database_url is None:
            prepare_data_dir(settings.data_dir)
        engine = create_engine(settings.database_url or sqlite_url(settings.data_dir))
        try:
            await migrate.upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(run())
    print(f"database is at revision {migrate.head_revision()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
