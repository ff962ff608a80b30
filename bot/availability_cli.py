"""``meldwijzer adviser away`` and ``adviser set-email``: when and where an adviser is reached.

Neither needs the adviser's passphrase: they say nothing about any signal, and an admin
enters an absence for a colleague who is ill just as well as the adviser themself.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from datetime import date
from typing import TYPE_CHECKING

from bot.errors import InputError
from bot.settings import Settings

if TYPE_CHECKING:  # the runner lives with the other adviser commands
    from bot.app import Services

Handler = Callable[[argparse.Namespace, "Services"], Awaitable[int]]
Runner = Callable[[Handler], Callable[[argparse.Namespace, Settings], int]]


def add_actions(actions: argparse._SubParsersAction[argparse.ArgumentParser], run: Runner) -> None:
    away = actions.add_parser(
        "away",
        help="an absence: no new signals; a long one hands open signals over",
        description="Record an absence: NAME --from DATE --until DATE (both days included, "
        "YYYY-MM-DD). Or list the absences that have not ended (--list, optionally for one "
        "NAME), or cancel one by the id --list shows (--cancel ID).",
    )
    away.add_argument("adviser", nargs="?", help="id or name")
    away.add_argument("--from", dest="starts_on", type=_day, metavar="DATE", help="first day away")
    away.add_argument("--until", dest="ends_on", type=_day, metavar="DATE", help="last day away")
    away.add_argument("--list", action="store_true", help="absences that have not ended")
    away.add_argument("--cancel", metavar="ID", help="cancel an absence by its id")
    away.set_defaults(run=run(_away))

    email = actions.add_parser("set-email", help="the address notices go to by e-mail")
    email.add_argument("adviser", help="id or name")
    target = email.add_mutually_exclusive_group(required=True)
    target.add_argument("address", nargs="?", help="e-mail address")
    target.add_argument("--none", action="store_true", help="no e-mail notices")
    email.set_defaults(run=run(_set_email))


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-07-01") from None


async def _away(args: argparse.Namespace, services: Services) -> int:
    absences = services.signals.absences
    registry = services.signals.registry
    if args.cancel:
        cancelled = await absences.remove(args.cancel)
        name = (await registry.get(cancelled.adviser_id)).name
        print(f"absence of {name} from {cancelled.starts_on} until {cancelled.ends_on} cancelled")
        return 0
    adviser = await registry.find(args.adviser) if args.adviser else None
    if args.list:
        names = {a.id: a.name for a in await registry.all()}
        listed = await absences.upcoming(adviser.id if adviser else None)
        for a in listed:
            print(f"{a.id}  {names.get(a.adviser_id, a.adviser_id)}  {a.starts_on} .. {a.ends_on}")
        if not listed:
            print("No absences.")
        return 0
    if adviser is None or args.starts_on is None or args.ends_on is None:
        raise InputError("give NAME --from DATE --until DATE, or --list, or --cancel ID")
    absence = await absences.add(adviser.id, args.starts_on, args.ends_on)
    print(
        f"{adviser.name} is away from {absence.starts_on} until {absence.ends_on} "
        f"(id {absence.id}); no new signals in that time"
    )
    if absence.days >= services.settings.long_absence_days:
        print(
            "a long absence: open signals go to advisers who can already read them; one that "
            "nobody else can read waits, and the admin's digest lists it"
        )
    return 0


async def _set_email(args: argparse.Namespace, services: Services) -> int:
    registry = services.signals.registry
    adviser = await registry.find(args.adviser)
    await registry.set_email(adviser.id, None if args.none else args.address)
    # The address is not repeated: terminal scrollback and CI logs keep what is printed.
    print(f"e-mail notices for {adviser.name} {'off' if args.none else 'on'}")
    return 0
