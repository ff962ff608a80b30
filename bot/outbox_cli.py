"""``meldwijzer outbox …``: the admin's view of notices waiting, sent and dead, and retries.

A notice row holds ids, a kind and a status; there is no content in it to show.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable

from bot.app import Services, build_services, prepare_database
from bot.conversation import utc_now
from bot.outbox.policy import RetryPolicy
from bot.outbox.store import DeliveryView, OutboxStore
from bot.settings import Settings


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    outbox = commands.add_parser("outbox", help="notices to advisers: list them, retry dead ones")
    actions = outbox.add_subparsers(metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="notices waiting, being sent, sent and dead")
    listing.add_argument("--dead", action="store_true", help="only the dead ones")
    listing.set_defaults(run=_run(_list))

    retry = actions.add_parser("retry", help="send a dead notice again now")
    which = retry.add_mutually_exclusive_group(required=True)
    which.add_argument("id", nargs="?", help="the notice's id (the first 8 characters are enough)")
    which.add_argument("--all-dead", action="store_true", help="every dead notice")
    retry.set_defaults(run=_run(_retry))


Handler = Callable[[argparse.Namespace, OutboxStore], Awaitable[int]]


def _run(handler: Handler) -> Callable[[argparse.Namespace, Settings], int]:
    def run(args: argparse.Namespace, settings: Settings) -> int:
        async def go() -> int:
            services: Services = build_services(settings)
            try:
                await prepare_database(services)
                store = OutboxStore(services.sessions, RetryPolicy.from_settings(settings))
                return await handler(args, store)
            finally:
                await services.close()

        return asyncio.run(go())

    return run


async def _list(args: argparse.Namespace, store: OutboxStore) -> int:
    notices = await store.list_notices(dead_only=args.dead)
    if not notices:
        print("no dead notices" if args.dead else "the outbox is empty")
        return 0
    for notice in notices:
        print(_line(notice))
    return 0


def _line(notice: DeliveryView) -> str:
    due = notice.next_attempt_at.strftime("%Y-%m-%d %H:%M UTC")
    error = f"  last error: {notice.last_error}" if notice.last_error else ""
    return (
        f"{notice.id}  {notice.status:<7}  {notice.kind:<6}  {notice.channel:<10}"
        f"  to {notice.recipient}  attempts {notice.attempts}  due {due}{error}"
    )


async def _retry(args: argparse.Namespace, store: OutboxStore) -> int:
    if args.all_dead:
        count = await store.retry_all_dead(utc_now())
        print(f"{count} dead notice(s) will be sent again now")
        return 0
    retried = await store.retry(args.id, utc_now())
    print(f"notice {retried} will be sent again now")
    return 0
