"""``meldwijzer adviser …`` and ``meldwijzer audit …``: the register, keys and audit log.

The desk itself (inbox, open, reply, …) is in ``bot.desk_cli``. A command that needs the
passphrase asks for it (hidden on a terminal, one line on stdin otherwise).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.app import Services, build_services, prepare_database
from bot.availability_cli import add_actions as add_availability_actions
from bot.desk_cli import add_actions as add_desk_actions
from bot.desk_cli import ask_secret, desk_language, tell_failures
from bot.errors import InputError
from bot.recovery import new_recovery_pair, recovery_private_key
from bot.settings import Settings
from bot.signals.audit import AuditHead
from bot.signals.email_address import checked_email
from bot.signals.registry import NewAdviser
from bot.signals.rotation import rotate_adviser_key


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    adviser = commands.add_parser("adviser", help="register advisers; read and answer signals")
    actions = adviser.add_subparsers(metavar="ACTION", required=True)

    add = actions.add_parser("add", help="register an adviser and set their passphrase")
    add.add_argument("name")
    add.add_argument(
        "--language",
        action="append",
        choices=("nl", "en"),
        dest="languages",
        help="a language they answer in (repeat for more; the first is for their notices)",
    )
    add.add_argument(
        "--unit", action="append", default=[], dest="units", help="a unit they belong to (repeat)"
    )
    add.add_argument(
        "--attribute",
        action="append",
        default=[],
        dest="attributes",
        help="something a reporter may ask for in an adviser (repeat)",
    )
    add.add_argument("--teams-id", help="the adviser's Entra (Azure AD) object id")
    add.add_argument("--mattermost-id", help="the adviser's Mattermost user id")
    add.add_argument("--email", help="where notices go by e-mail (none without it)")
    add.set_defaults(run=_run(_add))
    add_availability_actions(actions, _run)

    actions.add_parser("list", help="list advisers").set_defaults(run=_run(_list))
    for name, helptext, handler in (
        ("disable", "stop routing signals to an adviser; hand theirs to a backup", _disable),
        ("passphrase", "change the passphrase (the key pair stays)", _passphrase),
        ("rotate-key", "a new key pair; every signal re-wrapped to it", _rotate_key),
    ):
        sub = actions.add_parser(name, help=helptext)
        sub.add_argument("adviser", help="id or name")
        sub.set_defaults(run=_run(handler))
    add_desk_actions(actions, _run)

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
    verify = audit_actions.add_parser("verify", help="check the chain (and an exported head)")
    verify.add_argument("--head", help="a file `audit head` wrote, or its digest")
    verify.set_defaults(run=_run(_verify))
    head = audit_actions.add_parser("head", help="print the chain's head, to keep elsewhere")
    head.set_defaults(run=_run(_head))


Handler = Callable[[argparse.Namespace, Services], Awaitable[int]]


def _run(handler: Handler) -> Callable[[argparse.Namespace, Settings], int]:
    def run(args: argparse.Namespace, settings: Settings) -> int:
        async def go() -> int:
            services = build_services(settings)
            try:
                await prepare_database(services)
                return await handler(args, services)
            finally:
                await services.signals.stats.flush()  # what the desk counted (close, …)
                await services.close()

        return asyncio.run(go())

    return run


async def _add(args: argparse.Namespace, services: Services) -> int:
    registry = services.signals.registry
    if args.email:
        checked_email(args.email)  # before the passphrase is typed, not after
    passphrase = ask_secret(f"Passphrase for {args.name} (at least 12 characters, hard to guess): ")
    registry.check_passphrase_strength(passphrase, args.name)
    adviser = await registry.add(
        NewAdviser(
            name=args.name,
            languages=tuple(args.languages or ("nl",)),
            units=tuple(args.units),
            attributes=tuple(args.attributes),
            teams_id=args.teams_id,
            mattermost_id=args.mattermost_id,
            email=args.email,
        )
    )
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
            f"  teams={_yes(a.teams_id)}  mattermost={_yes(a.mattermost_id)}  email={_yes(a.email)}"
            + (f"  [{', '.join(flags)}]" if flags else "")
        )
    return 0


def _yes(value: str | None) -> str:
    return "yes" if value else "no"


async def _recover(args: argparse.Namespace, services: Services) -> int:
    registry = services.signals.registry
    adviser = await registry.find(args.adviser)
    key = recovery_private_key(ask_secret("Recovery private key: "))
    await registry.recover(adviser.id, key, ask_secret(f"New passphrase for {adviser.name}: "))
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
    adviser = await services.signals.registry.find(args.adviser)
    handover = await services.signals.desk.disable_adviser(adviser.id)
    grace = services.settings.disabled_wrap_grace_days
    print(f"adviser {handover.adviser} disabled; {handover.moved} open signal(s) handed over")
    if handover.stranded:
        print(
            f"{len(handover.stranded)} open signal(s) can be read by nobody else and wait: "
            + ", ".join(s[:8] for s in handover.stranded)
        )
    print(f"their key wraps are removed after {grace} days")
    return 0


async def _passphrase(args: argparse.Namespace, services: Services) -> int:
    adviser = await services.signals.registry.find(args.adviser)
    key, failed = await services.signals.sessions.check_passphrase(
        adviser.id, ask_secret("Current passphrase: ")
    )
    tell_failures(failed, desk_language(adviser))
    await services.signals.registry.change_passphrase(
        adviser.id, key, ask_secret(f"New passphrase for {adviser.name}: ")
    )
    print(f"passphrase of {adviser.name} changed")
    return 0


async def _rotate_key(args: argparse.Namespace, services: Services) -> int:
    registry = services.signals.registry
    adviser = await registry.find(args.adviser)
    passphrase = ask_secret("Passphrase: ")
    key, failed = await services.signals.sessions.check_passphrase(adviser.id, passphrase)
    tell_failures(failed, desk_language(adviser))
    # The same passphrase wraps the new key: it was accepted when it was set.
    fresh = await registry.new_keyring(adviser.id, passphrase, checked=False)
    desk = services.signals.desk
    count = await rotate_adviser_key(
        services.sessions, desk.audit, key, fresh, services.signals.desk.today()
    )
    print(f"new key pair for {adviser.name}; {count} signal(s) re-wrapped; sessions ended")
    return 0


async def _verify(args: argparse.Namespace, services: Services) -> int:
    exported = AuditHead.parse(_head_text(args.head)) if args.head else None
    report = await services.signals.desk.audit.verify(services.sessions, exported)
    if report.intact:
        print(f"audit log intact: {report.rows} rows; head {report.head}")
        if exported is None:
            print("Compare with an exported head (--head): a cut-off end only shows against it.")
        return 0
    where = f" at row {report.broken_at}" if report.broken_at is not None else ""
    print(f"audit log BROKEN{where}: {report.problem} (after {report.rows} good rows)")
    return 1


def _head_text(given: str) -> str:
    path = Path(given)
    if len(given) != 64 and path.is_file():
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise InputError(f"cannot read the exported head in {given}") from None
    return given


async def _head(args: argparse.Namespace, services: Services) -> int:
    audit = services.signals.desk.audit
    report = await audit.verify(services.sessions)
    if not report.intact:
        print(f"audit log BROKEN: {report.problem}; not exporting its head", file=sys.stderr)
        return 1
    print((await audit.head(services.sessions)).line())
    print("Keep this line elsewhere (printed, or in the operations log) for `audit verify --head`.")
    return 0
