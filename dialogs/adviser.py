"""The adviser's desk in chat: unlock, inbox, open, reply, acknowledge, close, recuse, away."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from bot.core import Button, FieldKind, Form, FormField, Reply, user_text
from bot.signals.content import SignalView
from bot.signals.desk import InboxItem
from bot.stats.categories import OUTCOMES
from bot.written_dates import written_date
from dialogs.base import BaseDialog, Context, DialogState, Step, paragraphs
from dialogs.desk_pages import inbox_line, signal_page
from dialogs.effects import (
    AcknowledgeSignal,
    CloseSignal,
    Effect,
    Lock,
    OpenSignal,
    RecuseSignal,
    ReplyToSignal,
    Result,
    SetAway,
    ShowInbox,
    Unlock,
)
from dialogs.menu import back_to_menu
from dialogs.outcomes import CLOSE_AS, outcome_choice, outcome_label

SIGNAL_ID = re.compile(r"[0-9a-f]{32}")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# How people in the Netherlands write a date by hand: day-month-year, 1-7-2026 or 01.07.2026.
# Never month/day (7/1/2026 would be read the American way by some): that is refused.
DAY_MONTH_YEAR = re.compile(r"(?P<day>\d{1,2})[-.](?P<month>\d{1,2})[-.](?P<year>\d{4})")
INBOX_BUTTONS = 10
ERRORS = {
    "wrong_passphrase",
    "not_yours",
    "no_other_adviser",
    "not_adviser",
    "damaged",
    "closed",
    "already_closed",
    "unlock_wait",
    "busy",
    "already_acknowledged",
    "away_date",
    "away_order",
    "away_past",
    "away_too_long",
    "unknown_outcome",
}


class AdviserDialog(BaseDialog):
    name = "adviser"

    def start(self, ctx: Context, arg: str) -> Step:
        if not ctx.adviser:
            return Step((ctx.reply(ctx.t("adviser.not_adviser"), (back_to_menu(ctx),)),))
        return Step((), DialogState(self.name, "inbox"), ShowInbox())

    def on_action(self, ctx: Context, state: DialogState, value: str) -> Step | None:
        if not ctx.adviser:
            return None
        verb, _, rest = value.partition(":")
        signal_id, _, detail = rest.partition(":")
        here = DialogState(self.name, verb)
        if verb == "inbox" and not signal_id:
            return Step((), here, ShowInbox())
        if verb == "lock" and not signal_id:
            return Step((), here, Lock())
        if verb == "away" and not signal_id:
            return Step((self._away_form(ctx),), here)
        if not SIGNAL_ID.fullmatch(signal_id):
            return None
        if verb == CLOSE_AS:
            return self._close_as(ctx, signal_id, detail)
        if detail:
            return None
        if verb == "open":
            return Step((), here, OpenSignal(signal_id))
        if verb in ("reply", "ask"):
            return Step((self._message_form(ctx, verb, signal_id),), here)
        # "confirm-close" is the button of the earlier yes/no question, still on cards sent
        # before: it closes nothing and asks how the signal ended.
        if verb in ("close", "confirm-close"):
            return Step((outcome_choice(ctx, signal_id),), DialogState(self.name, "close"))
        if verb == "recuse":
            return Step((), here, RecuseSignal(signal_id))
        if verb == "acknowledge":
            return Step((), here, AcknowledgeSignal(signal_id))
        return None

    def on_form(
        self, ctx: Context, state: DialogState, form: str, data: Mapping[str, str]
    ) -> Step | None:
        if not ctx.adviser:
            return None
        if form == "unlock":
            return Step((), DialogState(self.name, "unlock"), Unlock(data.get("passphrase", "")))
        if form == "away":
            return self._away(ctx, data)
        verb, _, signal_id = form.partition(":")
        if verb in ("reply", "ask") and SIGNAL_ID.fullmatch(signal_id):
            effect = ReplyToSignal(signal_id, data.get("text", ""), question=verb == "ask")
            return Step((), DialogState(self.name, verb), effect)
        return None

    def after(self, ctx: Context, state: DialogState, effect: Effect, result: Result) -> Step:
        if result.error == "locked":
            return self._unlock_form(
                ctx, ctx.t("adviser.locked_again", minutes=str(result.session_minutes))
            )
        if result.error:
            key = f"adviser.{result.error}" if result.error in ERRORS else "input.apology"
            if result.error in ("wrong_passphrase", "unlock_wait", "busy"):
                return self._unlock_form(ctx, ctx.t(key))
            return Step((ctx.reply(ctx.t(key), self._desk_buttons(ctx)),), state)
        if isinstance(effect, Unlock):
            head = paragraphs(
                ctx.t("adviser.unlocked", minutes=str(result.session_minutes)),
                _failures(ctx, result),
            )
            step = self._inbox(ctx, result.inbox, head)
            return Step(step.replies, step.state.at("inbox", adviser_session=result.session))
        if isinstance(effect, ShowInbox):
            return self._inbox(ctx, result.inbox)
        if isinstance(effect, OpenSignal) and result.view is not None:
            return self._signal(ctx, result.view)
        if isinstance(effect, Lock):
            reply = ctx.reply(ctx.t("adviser.locked"), (back_to_menu(ctx),))
            return Step((reply,), DialogState().at("", adviser_session=""))
        if isinstance(effect, AcknowledgeSignal) and result.due is not None:
            text = ctx.t("adviser.acknowledged", date=written_date(result.due, ctx.lang))
        elif isinstance(effect, CloseSignal):
            text = ctx.t("adviser.closed_as", outcome=outcome_label(ctx, effect.outcome))
        elif isinstance(effect, SetAway):
            text = ctx.t(
                "adviser.away_saved",
                start=written_date(effect.starts_on, ctx.lang),
                end=written_date(effect.ends_on, ctx.lang),
            )
        else:
            key = "adviser.sent" if isinstance(effect, ReplyToSignal) else "adviser.recused"
            text = ctx.t(key, name=user_text(result.name))
        return Step((ctx.reply(text, self._desk_buttons(ctx)),), DialogState(self.name, "done"))

    def _unlock_form(self, ctx: Context, text: str) -> Step:
        field = FormField("passphrase", ctx.t("adviser.passphrase"), FieldKind.PASSWORD, True, 500)
        form = Form(
            "adviser:unlock", ctx.t("adviser.unlock_title"), (field,), ctx.t("adviser.unlock")
        )
        return Step((Reply(text, ctx.lang, form=form),), DialogState(self.name, "unlock"))

    def _inbox(self, ctx: Context, items: tuple[InboxItem, ...], head: str = "") -> Step:
        if not items:
            reply = ctx.reply(
                paragraphs(head, ctx.t("adviser.inbox_empty")), self._desk_buttons(ctx)
            )
            return Step((reply,), DialogState(self.name, "inbox"))
        lines = [inbox_line(ctx, item) for item in items]
        text = paragraphs(
            head, ctx.t("adviser.inbox_title", count=str(len(items))), "\n".join(lines)
        )
        buttons = tuple(
            Button(ctx.t("adviser.open", id=item.id[:8]), f"adviser:open:{item.id}")
            for item in items[:INBOX_BUTTONS]
        )
        return Step(
            (ctx.reply(text, (*buttons, *self._desk_buttons(ctx))),),
            DialogState(self.name, "inbox"),
        )

    def _signal(self, ctx: Context, view: SignalView) -> Step:
        sid = view.id
        # A closed signal takes no more messages: only the way back to the inbox.
        verbs = ("reply", "ask", "acknowledge", "close", "recuse") if view.status == "open" else ()
        buttons = (
            *(ctx.button(f"adviser.{verb}", f"adviser:{verb}:{sid}") for verb in verbs),
            ctx.button("adviser.inbox", "adviser:inbox"),
        )
        return Step((ctx.reply(signal_page(ctx, view), buttons),), DialogState(self.name, "open"))

    def _close_as(self, ctx: Context, signal_id: str, outcome: str) -> Step:
        """The outcome pressed closes the signal; one the desk does not know closes nothing."""
        if outcome in OUTCOMES:
            return Step((), DialogState(self.name, CLOSE_AS), CloseSignal(signal_id, outcome))
        again = outcome_choice(ctx, signal_id, ctx.t("adviser.unknown_outcome"))
        return Step((again,), DialogState(self.name, "close"))

    def _message_form(self, ctx: Context, verb: str, signal_id: str) -> Reply:
        field = FormField("text", ctx.t("adviser.message"), FieldKind.TEXTAREA, True, 4000)
        title = ctx.t(f"adviser.{verb}_title")
        form = Form(f"adviser:{verb}:{signal_id}", title, (field,), ctx.t("follow_up.send"))
        return Reply(title, ctx.lang, form=form)

    def _away_form(self, ctx: Context) -> Reply:
        fields = (
            FormField("from", ctx.t("adviser.away_from"), FieldKind.TEXT, True, 10),
            FormField("until", ctx.t("adviser.away_until"), FieldKind.TEXT, True, 10),
        )
        title = ctx.t("adviser.away_title")
        form = Form("adviser:away", title, fields, ctx.t("adviser.away_save"))
        return Reply(title, ctx.lang, form=form)

    def _away(self, ctx: Context, data: Mapping[str, str]) -> Step:
        starts_on, ends_on = _date(data.get("from", "")), _date(data.get("until", ""))
        if starts_on is None or ends_on is None:
            reply = ctx.reply(ctx.t("adviser.away_date"), self._desk_buttons(ctx))
            return Step((reply, self._away_form(ctx)), DialogState(self.name, "away"))
        return Step((), DialogState(self.name, "away"), SetAway(starts_on, ends_on))

    def _desk_buttons(self, ctx: Context) -> tuple[Button, ...]:
        return (
            ctx.button("adviser.inbox", "adviser:inbox"),
            ctx.button("adviser.away", "adviser:away"),
            ctx.button("adviser.lock", "adviser:lock"),
            back_to_menu(ctx),
        )


def _failures(ctx: Context, result: Result) -> str:
    """The wrong passphrases since the last unlock, so the adviser notices someone trying."""
    failed = result.failed_unlocks
    if failed is None or not failed.count:
        return ""
    dates = ", ".join(written_date(on, ctx.lang) for on in failed.dates)
    return ctx.t("adviser.failed_unlocks", count=str(failed.count), dates=dates)


def _date(text: str) -> date | None:
    """A date as day-month-year (what the form asks for) or YYYY-MM-DD, or None."""
    text = text.strip()
    written = DAY_MONTH_YEAR.fullmatch(text)
    try:
        if written:
            return date(int(written["year"]), int(written["month"]), int(written["day"]))
        return date.fromisoformat(text) if ISO_DATE.fullmatch(text) else None
    except ValueError:
        return None
