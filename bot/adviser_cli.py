"""``meldwijzer adviser …`` and ``meldwijzer audit verify``: the advisers' terminal desk.

Every command that reads or writes a signal asks for the passphrase (hidden on a terminal,
one line on stdin otherwise), unlocks for that one command and locks again.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from typing import TextIO

from bot.app import Services, build_services, prepare_database
from bot.errors import InputError
from bot.recovery import new_recovery_pair, recovery_private_key
from bot.settings import Settings
from bot.signals import audit
from bot.signals.content import SignalView
from bot.signals.registry import NewAdviser
from bot.signals.unlock import Unlocked


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    adviser = commands.add_parser("adviser", help="register advisers; read and answer signals")
    actions = adviser.add_subparsers(metavar="ACTION", required=True)

    add = actions.add_parser("add", help="register an adviser and set their passphrase")
    add.add_argument("name")
    add.add_argument("--language", action="append", choices=("nl", "en"), dest="languages")
    add.add_argument("--unit", action="append", default=[], dest="units")
    add.add_argument("--attribute", action="append", default=[], dest="attributes")
    add.add_argument("--teams-id", help="the adviser's Azure AD object id")
    add.add_argument("--mattermost-id", help="the adviser's Mattermost user id")
    add.set_defaults(run=_run(_add))

    actions.add_parser("list", help="list advisers").set_defaults(run=_run(_list))
    for name, helptext, handler in (
        ("disable", "stop routing signals to an adviser", _disable),
        ("passphrase", "change the passphrase (the key pair stays)", _passphrase),
        ("inbox", "open signals for this adviser", _inbox),
    ):
        sub = actions.add_parser(name, help=helptext)
        sub.add_argument("adviser", help="id or name")
        sub.set_defaults(run=_run(handler))
    for name, helptext, handler in (
        ("open", "read a signal and its thread", _open),
        ("reply", "answer the reporter (text from stdin or --text)", _reply),
        ("ask", "ask the reporter for more information", _ask),
        ("close", "close a signal", _close),
        ("recuse", "step aside; the signal moves to another adviser", _recuse),
    ):
        sub = actions.add_parser(name, help=helptext)
        sub.add_argument("adviser", help="id or name")
        sub.add_argument("signal", help="signal id (the first 8 characters are enough)")
        if name in ("reply", "ask"):
            sub.add_argument("--text", help="the message; without it, read from stdin")
        sub.set_defaults(run=_run(handler))

    recover = actions.add_parser(
        "recover", help="new passphrase with the organisation's offline recovery key"
    )
    recover.add_argument("adviser", help="id or name")
    recover.set_defaults(run=_run(_recover))

    recovery = commands.add_parser("recovery", help="the optional organisation recovery key")
    recovery_actions = recovery.add_subparsers(metavar="ACTION", required=True)
    keygen = recovery_actions.add_parser("keygen", help="make a recovery key pair (offline!)")
    keygen.set_defaults(run=_keygen)

    audit_parser = commands.add_parser("audit", help="the audit log of adviser actions")
    audit_actions = audit_parser.add_subparsers(metavar="ACTION", required=True)
    audit_actions.add_parser("verify", help="check the hash chain").set_defaults(run=_run(_verify))


Handler = Callable[[argparse.Namespace, Services], Awaitable[int]]


def _run(handler: Handler) -> Callable[[argparse.Namespace, Settings], int]:
    def run(args: argparse.Namespace, settings: Settings) -> int:
        async def go() -> int:
            services = build_services(settings)
            try:
                await prepare_database(services)
                return await handler(args, services)
            finally:
                await services.engine.dispose()

        return asyncio.run(go())

    return run


def _secret(prompt: str, stdin: TextIO | None = None) -> str:
    stdin = stdin or sys.stdin  # looked up at call time, so a replaced stdin is honoured
    if stdin.isatty():
        return getpass.getpass(prompt)
    return stdin.readline().rstrip("\n")


async def _add(args: argparse.Namespace, services: Services) -> int:
    registry = services.signals.registry
    adviser = await registry.add(
        NewAdviser(
            name=args.name,
            languages=tuple(args.languages or ("nl",)),
            units=tuple(args.units),
            attributes=tuple(args.attributes),
            teams_id=args.teams_id,
            mattermost_id=args.mattermost_id,
        )
    )
    passphrase = _secret(f"Passphrase for {adviser.name} (at least 12 characters): ")
    await registry.enrol(adviser.id, passphrase)
    print(f"adviser {adviser.name} added with id {adviser.id}")
    return 0


async def _list(args: argparse.Namespace, services: Services) -> int:
    for a in await services.signals.registry.all():
        flags = [
            f
            for f, on in (
                ("DEMO", a.demo),
                ("disabled", not a.active),
                ("no passphrase", not a.enrolled),
            )
            if on
        ]
        print(
            f"{a.id}  {a.name}  languages={','.join(a.languages)}  units={','.join(a.units)}"
            f"  teams={_yes(a.teams_id)}  mattermost={_yes(a.mattermost_id)}"
            + (f"  [{', '.join(flags)}]" if flags else "")
        )
    return 0


def _yes(value: str | None) -> str:
    return "yes" if value else "no"


async def _recover(args: argparse.Namespace, services: Services) -> int:
    registry = services.signals.registry
    adviser = await registry.find(args.adviser)
    key = recovery_private_key(_secret("Recovery private key: "))
    await registry.recover(adviser.id, key, _secret(f"New passphrase for {adviser.name}: "))
    print(f"passphrase of {adviser.name} reset with the recovery key")
    return 0


def _keygen(args: argparse.Namespace, settings: Settings) -> int:
    public, private = new_recovery_pair()
    print("Put the public key in the settings of every Meldwijzer server:")
    print(f"  MELDWIJZER_RECOVERY_PUBLIC_KEY={public}")
    print("Keep the private key OFFLINE (e.g. on paper in a safe, or split between two")
    print("officers). Anyone holding it can read every adviser's signals. It is shown once:")
    print(f"  {private}")
    return 0


async def _disable(args: argparse.Namespace, services: Services) -> int:
    registry = services.signals.registry
    adviser = await registry.disable((await registry.find(args.adviser)).id)
    print(f"adviser {adviser.name} disabled")
    return 0


async def _passphrase(args: argparse.Namespace, services: Services) -> int:
    registry = services.signals.registry
    adviser = await registry.find(args.adviser)
    old = _secret("Current passphrase: ")
    await registry.change_passphrase(
        adviser.id, old, _secret(f"New passphrase for {adviser.name}: ")
    )
    print(f"passphrase of {adviser.name} changed")
    return 0


async def _unlocked(args: argparse.Namespace, services: Services) -> tuple[Unlocked, str]:
    adviser = await services.signals.registry.find(args.adviser)
    session = await services.signals.sessions.unlock(adviser.id, _secret("Passphrase: "))
    return await services.signals.sessions.resume(session), session


async def _with_unlocked(
    args: argparse.Namespace, services: Services, act: Callable[[Unlocked], Awaitable[None]]
) -> int:
    who, session = await _unlocked(args, services)
    try:
        await act(who)
    finally:
        await services.signals.sessions.lock(session)
    return 0


async def _signal_id(services: Services, who: Unlocked, prefix: str) -> str:
    matches = [i.id for i in await services.signals.desk.inbox(who) if i.id.startswith(prefix)]
    if len(prefix) == 32 and not matches:
        return prefix  # a closed signal can still be opened by its full id
    if len(matches) != 1:
        raise InputError(f"no single open signal starts with {prefix!r}")
    return matches[0]


async def _inbox(args: argparse.Namespace, services: Services) -> int:
    async def act(who: Unlocked) -> None:
        items = await services.signals.desk.inbox(who)
        if not items:
            print("No open signals for you.")
        for i in items:
            due = f"  acknowledge by {i.acknowledge_by}" if i.acknowledge_by else ""
            print(
                f"{i.id[:8]}  {i.age_days} days  {'responsible' if i.responsible else 'backup'}"
                f"{due}  feedback by {i.feedback_by}  new: {i.new_messages}"
            )

    return await _with_unlocked(args, services, act)


async def _open(args: argparse.Namespace, services: Services) -> int:
    async def act(who: Unlocked) -> None:
        view = await services.signals.desk.open(who, await _signal_id(services, who, args.signal))
        print(render_signal(view))

    return await _with_unlocked(args, services, act)


def render_signal(view: SignalView) -> str:
    c = view.content
    lines = [f"Signal {view.id} ({view.created_on}, {view.status}, {c.mode})", ""]
    for label, value in (
        ("What happened", c.what),
        ("Kind", ", ".join(c.kinds)),
        ("Role", c.role),
        ("When", c.when),
        ("Unit", c.unit),
        ("Hopes for", c.hope),
        ("Contact", c.contact),
    ):
        if value:
            lines.append(f"{label}: {value}")
    for entry in view.thread:
        who = f"adviser {entry.message.by}" if entry.author == "adviser" else "reporter"
        lines += [
            "",
            f"[{entry.sequence}] {entry.on} {who} ({entry.message.kind}):",
            entry.message.text,
        ]
    return "\n".join(lines)


async def _reply(args: argparse.Namespace, services: Services) -> int:
    return await _message(args, services, question=False)


async def _ask(args: argparse.Namespace, services: Services) -> int:
    return await _message(args, services, question=True)


async def _message(args: argparse.Namespace, services: Services, *, question: bool) -> int:
    async def act(who: Unlocked) -> None:
        signal_id = await _signal_id(services, who, args.signal)
        text = args.text if args.text is not None else sys.stdin.read()
        await services.signals.desk.reply(who, signal_id, text.strip(), question=question)
        print("sent")

    return await _with_unlocked(args, services, act)


async def _close(args: argparse.Namespace, services: Services) -> int:
    async def act(who: Unlocked) -> None:
        await services.signals.desk.close(who, await _signal_id(services, who, args.signal))
        print("closed")

    return await _with_unlocked(args, services, act)


async def _recuse(args: argparse.Namespace, services: Services) -> int:
    async def act(who: Unlocked) -> None:
        name = await services.signals.desk.recuse(who, await _signal_id(services, who, args.signal))
        print(f"recused; {name} takes over")

    return await _with_unlocked(args, services, act)


async def _verify(args: argparse.Namespace, services: Services) -> int:
    report = await audit.verify(services.sessions)
    if report.intact:
        print(f"audit log intact: {report.rows} rows; head {report.head}")
        print("Note the head digest elsewhere: a chain cut off at the end only shows against it.")
        return 0
    print(f"audit log BROKEN at row {report.broken_at} (after {report.rows} good rows)")
    return 1
