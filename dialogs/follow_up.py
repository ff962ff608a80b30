"""Coming back with the receipt: read the adviser's answers, add to the thread, or delete.

The receipt is never kept between turns, so every action asks for it again in its form.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.core import Button, Choice, FieldKind, Form, FormField, Reply, user_text
from bot.seal.receipt import receipt_mistake
from bot.signals.content import SignalView, ThreadEntry
from bot.written_dates import written_date
from dialogs.base import IDLE, BaseDialog, Context, DialogState, Step, paragraphs
from dialogs.effects import AddToThread, DeleteSignal, Effect, ReadThread, Result
from dialogs.menu import back_to_menu
from dialogs.prefill import prefilled

FORMS = ("read", "add", "delete")
ERRORS = {
    "not_found",
    "malformed_receipt",
    "receipt_symbol",
    "receipt_check",
    "rate_limited",
    "opened_often",
    "busy",
    "closed",
    "empty",
}


class FollowUpDialog(BaseDialog):
    name = "follow-up"

    def start(self, ctx: Context, arg: str) -> Step:
        topic = ctx.topic("follow-up")
        form = self._form(ctx, "read", "follow_up.form_title", "follow_up.read")
        reply = Reply(paragraphs(topic.intro), ctx.lang, form=form, buttons=(back_to_menu(ctx),))
        return Step((reply,), DialogState(self.name, "read"))

    def on_action(self, ctx: Context, state: DialogState, value: str) -> Step | None:
        if value in ("add", "delete"):
            return self._show(ctx, value)
        return None

    def form_open(self, state: DialogState) -> bool:
        return state.step in FORMS

    def offer_again(self, ctx: Context, form: str, data: Mapping[str, str]) -> Step | None:
        if form not in FORMS:
            return None
        return self._show(ctx, form, data, note=ctx.t("input.not_sent"))

    def resume(self, ctx: Context, state: DialogState) -> Step:
        return (
            self._show(ctx, state.step) if state.step in ("add", "delete") else self.start(ctx, "")
        )

    def _show(
        self, ctx: Context, form_id: str, kept: Mapping[str, str] | None = None, note: str = ""
    ) -> Step:
        """One of the three forms, with what the person wrote kept; never the receipt."""
        if form_id == "read":
            form = self._form(ctx, "read", "follow_up.form_title", "follow_up.read")
            text = paragraphs(ctx.topic("follow-up").intro)
        elif form_id == "add":
            form = self._form(ctx, "add", "follow_up.add_title", "follow_up.send", text=True)
            text = form.title
        else:
            form = self._form(
                ctx, "delete", "follow_up.delete_title", "follow_up.delete", confirm=True
            )
            text = ctx.t("follow_up.delete_confirm")
        # Only the message is kept: a receipt is never shown back, and a deletion is confirmed
        # afresh.
        form = prefilled(form, {"text": (kept or {}).get("text", "")}) if form_id == "add" else form
        notes = (ctx.reply(note),) if note else ()
        return Step((*notes, Reply(text, ctx.lang, form=form)), DialogState(self.name, form_id))

    def on_form(
        self, ctx: Context, state: DialogState, form: str, data: Mapping[str, str]
    ) -> Step | None:
        code = data.get("code", "")
        following = DialogState(self.name, "done")
        if form == "read":
            return Step((), following, ReadThread(code))
        if form == "add":
            return Step((), following, AddToThread(code, data.get("text", "")))
        if form == "delete":
            if data.get("confirm") != "yes":
                return Step((ctx.reply(ctx.t("follow_up.kept"), self._next(ctx)),), IDLE)
            return Step((), following, DeleteSignal(code))
        return None

    def after(self, ctx: Context, state: DialogState, effect: Effect, result: Result) -> Step:
        # Stay in this dialog, so the forms still on screen can be used again.
        here = DialogState(self.name, "done")
        if result.error:
            problem = _problem_text(ctx, effect, result.error)
            if isinstance(effect, AddToThread) and result.error != "closed":
                # The message is not lost with a mistyped receipt: the form comes back with it.
                return self._show(ctx, "add", {"text": effect.text}, note=problem)
            again = (ctx.button("menu.follow_up", "topic:follow-up"), back_to_menu(ctx))
            return Step((ctx.reply(problem, again),), here)
        if isinstance(effect, ReadThread) and result.view is not None:
            # A closed signal can still be read or deleted, but nothing can be added to it.
            buttons = self._next(ctx, can_add=result.view.status == "open")
            return Step((ctx.reply(thread_text(ctx, result.view), buttons),), here)
        if isinstance(effect, DeleteSignal):
            return Step((ctx.reply(ctx.t("follow_up.deleted"), (back_to_menu(ctx),)),), IDLE)
        return Step((ctx.reply(ctx.t("follow_up.added"), self._next(ctx)),), here)

    def _next(self, ctx: Context, *, can_add: bool = True) -> tuple[Button, ...]:
        add = (ctx.button("follow_up.add", "follow-up:add"),) if can_add else ()
        return (*add, ctx.button("follow_up.delete", "follow-up:delete"), back_to_menu(ctx))

    def _form(
        self,
        ctx: Context,
        form_id: str,
        title: str,
        submit: str,
        *,
        text: bool = False,
        confirm: bool = False,
    ) -> Form:
        fields = [
            FormField(
                "code",
                ctx.t("follow_up.code"),
                FieldKind.TEXT,
                True,
                60,
                ctx.t("follow_up.code_hint"),
            )
        ]
        if text:
            fields.append(
                FormField("text", ctx.t("follow_up.add_text"), FieldKind.TEXTAREA, True, 4000)
            )
        if confirm:
            choices = (
                Choice("yes", ctx.t("follow_up.delete_yes")),
                Choice("no", ctx.t("follow_up.delete_no")),
            )
            fields.append(
                FormField(
                    "confirm",
                    ctx.t("follow_up.delete_title"),
                    FieldKind.CHOICE,
                    True,
                    choices=choices,
                )
            )
        return Form(f"{self.name}:{form_id}", ctx.t(title), tuple(fields), ctx.t(submit))


def _problem_text(ctx: Context, effect: Effect, error: str) -> str:
    if error == "receipt_length" and isinstance(effect, ReadThread | AddToThread | DeleteSignal):
        # How many symbols were typed is read from the typed text again: the same text a
        # stranger already has, so the answer tells nothing a look-up could.
        mistake = receipt_mistake(effect.receipt)
        count = mistake.symbols if mistake is not None else 0
        key = "follow_up.receipt_length_one" if count == 1 else "follow_up.receipt_length"
        return ctx.t(key, count=str(count))
    return ctx.t(f"follow_up.{error}" if error in ERRORS else "input.apology")


def thread_text(ctx: Context, view: SignalView, reader: str = "reporter") -> str:
    """Every message after the signal itself, with its date; ``reader`` sets who "you" is."""
    status = "follow_up.status_open" if view.status == "open" else "follow_up.status_closed"
    created = written_date(view.created_on, ctx.lang)
    parts = [ctx.t("follow_up.your_signal", date=created), ctx.t(status)]
    if view.waiting:
        parts.append(ctx.t("follow_up.waiting"))
    if reader != "reporter":
        parts = []
    parts += [_entry(ctx, entry, reader) for entry in view.thread]
    answered = any(entry.author == "adviser" for entry in view.thread)
    # A waiting signal's line already says to look again later; once is enough. A closed
    # signal gets no answer any more: its status line is all there is to say.
    if reader == "reporter" and view.status == "open" and not answered and not view.waiting:
        parts.append(ctx.t("follow_up.no_answer_yet"))
    return paragraphs(*parts)


def _entry(ctx: Context, entry: ThreadEntry, reader: str) -> str:
    """One message of the thread; its words (and an adviser's name) are marked as a person's."""
    day = written_date(entry.on, ctx.lang)
    words = user_text(entry.message.text)
    if entry.author == "adviser":
        question = entry.message.kind == "question"
        key = "follow_up.question_from_adviser" if question else "follow_up.from_adviser"
        if reader == "adviser" and entry.message.by:
            return f"{ctx.t(key, date=day)} ({user_text(entry.message.by)})\n{words}"
    else:
        key = "follow_up.from_you" if reader == "reporter" else "follow_up.from_reporter"
    return f"{ctx.t(key, date=day)}\n{words}"
