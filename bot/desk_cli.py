"""``meldwijzer adviser inbox | open | reply | ask | acknowledge | close | recuse``.

The adviser's desk in the terminal, in the adviser's own language (the first they answer
in) and with the same words as the desk in chat: the labels the reporter saw on the form,
dates as people write them. Every command asks for the passphrase (hidden on a terminal,
one line on stdin otherwise), unlocks for that one command and locks again.

``close`` takes how the signal ended (``--outcome``, one of the fixed outcomes the yearly
report counts). Without it a terminal shows a numbered list, where picking one is the
confirmation, as pressing an outcome is in chat; without a terminal it must be given, and
``--yes`` too.
"""

from __future__ import annotations

import argparse
import getpass
import secrets
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TextIO

from adapters.console.channel import render_reply
from bot.core import Channel, Reply
from bot.errors import InputError, WrongPassphrase
from bot.settings import Settings
from bot.signals.registry import Adviser
from bot.signals.unlock import Unlocked
from bot.signals.unlock_guard import FailedUnlocks
from bot.stats.categories import OUTCOMES
from bot.written_dates import written_date
from dialogs.adviser import ERRORS
from dialogs.base import Context
from dialogs.desk_pages import inbox_table, signal_page
from dialogs.messages import Messages
from dialogs.outcomes import outcome_label, outcome_names

if TYPE_CHECKING:  # the runner lives with the other adviser commands
    from bot.app import Services

Handler = Callable[[argparse.Namespace, "Services"], Awaitable[int]]
Runner = Callable[[Handler], Callable[[argparse.Namespace, Settings], int]]
Act = Callable[[Unlocked, Context], Awaitable[str]]
DESK_LANGUAGES = ("nl", "en")


def add_actions(actions: argparse._SubParsersAction[argparse.ArgumentParser], run: Runner) -> None:
    inbox = actions.add_parser("inbox", help="open signals for this adviser")
    inbox.add_argument("adviser", help="id or name")
    inbox.set_defaults(run=run(_inbox))
    for name, helptext, handler in (
        ("open", "read a signal and its thread", _open),
        ("reply", "answer the reporter (text from stdin or --text)", _reply),
        ("ask", "ask the reporter for more information", _ask),
        (
            "acknowledge",
            "confirm receipt; the service norm for feedback counts from today",
            _acknowledge,
        ),
        (
            "close",
            "close a signal with how it ended (--outcome; asks on a terminal, else --yes)",
            _close,
        ),
        ("recuse", "step aside; the signal moves to another adviser", _recuse),
    ):
        sub = actions.add_parser(name, help=helptext)
        sub.add_argument("adviser", help="id or name")
        sub.add_argument("signal", help="signal id (the first 8 characters are enough)")
        if name in ("reply", "ask"):
            sub.add_argument("--text", help="the message; without it, read from stdin")
        if name == "close":
            sub.add_argument(
                "--outcome",
                metavar="NAME",
                help=f"how the signal ended: {', '.join(OUTCOMES)}; without it, a numbered list",
            )
            sub.add_argument("--yes", action="store_true", help="close without asking")
        sub.set_defaults(run=run(handler))


def ask_secret(prompt: str, stdin: TextIO | None = None) -> str:
    stdin = stdin or sys.stdin  # looked up at call time, so a replaced stdin is honoured
    if stdin.isatty():
        return getpass.getpass(prompt)
    return stdin.readline().rstrip("\n")


def desk_language(adviser: Adviser) -> str:
    """The first language the adviser answers in, if the desk speaks it; else Dutch."""
    return next((lang for lang in adviser.languages if lang in DESK_LANGUAGES), "nl")


def tell_failures(failed: FailedUnlocks, lang: str) -> None:
    if failed.count:
        dates = ", ".join(written_date(day, lang) for day in failed.dates)
        print(
            Messages.load().text(
                lang, "adviser.failed_unlocks", count=str(failed.count), dates=dates
            )
        )


async def _at_the_desk(args: argparse.Namespace, services: Services, act: Act) -> int:
    adviser = await services.signals.registry.find(args.adviser)
    ctx = Context(desk_language(adviser), Channel.CONSOLE, services.knowledge, Messages.load())
    # This command's session lives only as long as the command: bind it to a value that
    # exists only in this process.
    binding = f"cli\x1f{secrets.token_hex(16)}"
    sessions = services.signals.sessions
    try:
        opened = await sessions.unlock(
            adviser.id, ask_secret(ctx.t("adviser.passphrase") + ": "), binding
        )
    except WrongPassphrase:
        raise InputError(_plain(ctx, ctx.t("adviser.wrong_passphrase"))) from None
    except InputError as exc:
        if exc.code != "unlock_wait":
            raise
        raise InputError(_plain(ctx, ctx.t("adviser.unlock_wait"))) from None
    tell_failures(opened.failed, ctx.lang)
    try:
        who = await sessions.resume(opened.reference, binding)
        print(_plain(ctx, await act(who, ctx)))
    except InputError as exc:
        if exc.code not in ERRORS:
            raise
        # The desk's own refusals, in the adviser's language, as in chat.
        raise InputError(_plain(ctx, ctx.t(f"adviser.{exc.code}"))) from None
    finally:
        await sessions.lock(opened.reference)
    return 0


def _plain(ctx: Context, text: str) -> str:
    """Our markup as the terminal chat shows it; the reporter's words exactly as written."""
    return render_reply(Reply(text, ctx.lang))


async def _signal_id(services: Services, who: Unlocked, prefix: str) -> str:
    matches = [i.id for i in await services.signals.desk.inbox(who) if i.id.startswith(prefix)]
    if len(prefix) == 32 and not matches:
        return prefix  # a closed signal can still be opened by its full id
    if len(matches) != 1:
        raise InputError(f"no single open signal starts with {prefix!r}", code="not_yours")
    return matches[0]


async def _inbox(args: argparse.Namespace, services: Services) -> int:
    async def act(who: Unlocked, ctx: Context) -> str:
        items = await services.signals.desk.inbox(who)
        return inbox_table(ctx, items) if items else ctx.t("adviser.inbox_empty")

    return await _at_the_desk(args, services, act)


async def _open(args: argparse.Namespace, services: Services) -> int:
    async def act(who: Unlocked, ctx: Context) -> str:
        signal_id = await _signal_id(services, who, args.signal)
        return signal_page(ctx, await services.signals.desk.open(who, signal_id), whole_id=True)

    return await _at_the_desk(args, services, act)


async def _reply(args: argparse.Namespace, services: Services) -> int:
    return await _message(args, services, question=False)


async def _ask(args: argparse.Namespace, services: Services) -> int:
    return await _message(args, services, question=True)


async def _message(args: argparse.Namespace, services: Services, *, question: bool) -> int:
    async def act(who: Unlocked, ctx: Context) -> str:
        signal_id = await _signal_id(services, who, args.signal)
        text = args.text if args.text is not None else sys.stdin.read()
        await services.signals.desk.reply(who, signal_id, text.strip(), question=question)
        return ctx.t("adviser.sent")

    return await _at_the_desk(args, services, act)


async def _acknowledge(args: argparse.Namespace, services: Services) -> int:
    async def act(who: Unlocked, ctx: Context) -> str:
        signal_id = await _signal_id(services, who, args.signal)
        due = await services.signals.desk.acknowledge(who, signal_id)
        return ctx.t("adviser.acknowledged", date=written_date(due, ctx.lang))

    return await _at_the_desk(args, services, act)


async def _close(args: argparse.Namespace, services: Services) -> int:
    await _check_close(args, services)

    async def act(who: Unlocked, ctx: Context) -> str:
        signal_id = await _signal_id(services, who, args.signal)
        if args.outcome is None:
            outcome = _picked(ctx, signal_id)  # picking one is the confirmation, as in chat
        elif args.yes or _confirmed(ctx, signal_id, args.outcome):
            outcome = args.outcome
        else:
            outcome = None
        if outcome is None:
            return ctx.t("adviser.close_kept")
        await services.signals.desk.close(who, signal_id, outcome)
        return ctx.t("adviser.closed_as", outcome=outcome_label(ctx, outcome))

    return await _at_the_desk(args, services, act)


async def _check_close(args: argparse.Namespace, services: Services) -> None:
    """What cannot work is refused before the passphrase, in the adviser's language."""
    adviser = await services.signals.registry.find(args.adviser)
    ctx = Context(desk_language(adviser), Channel.CONSOLE, services.knowledge, Messages.load())
    names = outcome_names(ctx)
    if args.outcome is not None and args.outcome not in OUTCOMES:
        raise InputError(ctx.t("adviser.outcome_name_unknown", names=names))
    # Without a terminal nobody can answer a question.
    if not sys.stdin.isatty():
        if args.outcome is None:
            raise InputError(ctx.t("adviser.close_needs_outcome", names=names))
        if not args.yes:
            raise InputError(ctx.t("adviser.close_needs_yes"))


def _picked(ctx: Context, signal_id: str) -> str | None:
    """The outcome chosen from a numbered list (or by name); None for an empty answer."""
    print(_plain(ctx, ctx.t("adviser.close_choose", id=signal_id[:8])))
    for number, outcome in enumerate(OUTCOMES, start=1):
        print(f"  {number}. {outcome_label(ctx, outcome)}")
    answer = _answer(ctx.t("adviser.close_pick_prompt"))
    if not answer:
        return None
    if answer in OUTCOMES:
        return answer
    if answer.isdecimal() and 1 <= int(answer) <= len(OUTCOMES):
        return OUTCOMES[int(answer) - 1]
    raise InputError(ctx.t("adviser.close_pick_unknown"))


def _confirmed(ctx: Context, signal_id: str, outcome: str) -> bool:
    label = outcome_label(ctx, outcome)
    print(_plain(ctx, ctx.t("adviser.close_confirm", id=signal_id[:8], outcome=label)))
    answer = _answer(ctx.t("adviser.close_prompt")).casefold()
    return answer == ctx.t("adviser.close_answer").casefold()


def _answer(prompt: str) -> str:
    """One line typed after ``prompt``."""
    sys.stdout.write(prompt)
    sys.stdout.flush()
    return sys.stdin.readline().strip()


async def _recuse(args: argparse.Namespace, services: Services) -> int:
    async def act(who: Unlocked, ctx: Context) -> str:
        name = await services.signals.desk.recuse(who, await _signal_id(services, who, args.signal))
        return ctx.t("adviser.recused", name=name)

    return await _at_the_desk(args, services, act)
