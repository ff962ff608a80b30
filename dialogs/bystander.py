"""Guidance for bystanders: what did you see, is anyone in danger, the 5 D's, afterwards.

The 5 D's (Distract, Delegate, Document, Delay, Direct) follow Right To Be's bystander
training as taught in the Netherlands; the wording per D lives in the ``bystander`` topic.
"""

from __future__ import annotations

from bot.core import Button
from dialogs.base import BaseDialog, Context, DialogState, Step, paragraphs, section_text
from dialogs.menu import back_to_menu

SEEN = ("discrimination", "sexual", "bullying", "aggression", "other")
FIVE_DS = ("distract", "delegate", "document", "delay", "direct")


class BystanderDialog(BaseDialog):
    """seen → danger → the 5 D's → afterwards → reporting as a witness."""

    name = "bystander"

    def start(self, ctx: Context, arg: str) -> Step:
        topic = ctx.topic("bystander")
        buttons = tuple(
            ctx.button(f"bystander.seen_{kind}", f"bystander:seen:{kind}") for kind in SEEN
        )
        text = paragraphs(topic.intro, ctx.t("bystander.seen_prompt"))
        return Step((ctx.reply(text, buttons),), DialogState(dialog=self.name, step="seen"))

    def on_action(self, ctx: Context, state: DialogState, value: str) -> Step | None:
        kind, _, arg = value.partition(":")
        if kind == "seen" and arg in SEEN:
            return self._danger_question(ctx, state.at("danger", seen=arg))
        if kind == "danger" and arg in ("yes", "no"):
            return self._danger(ctx, state) if arg == "yes" else self._five_ds(ctx, state)
        if kind == "d" and arg in FIVE_DS:
            return self._one_d(ctx, state, arg)
        if kind == "ds" and not arg:
            return self._five_ds(ctx, state)
        if kind == "afterwards" and not arg:
            return self._afterwards(ctx, state)
        if kind == "witness" and not arg:
            return self._witness(ctx, state)
        return None

    def resume(self, ctx: Context, state: DialogState) -> Step:
        if state.step == "danger":
            return self._danger_question(ctx, state)
        if state.step in FIVE_DS:
            return self._one_d(ctx, state, state.step)
        if state.step in ("ds", "afterwards", "witness"):
            return self.on_action(ctx, state, state.step) or self._five_ds(ctx, state)
        return self.start(ctx, "")

    def _danger_question(self, ctx: Context, state: DialogState) -> Step:
        buttons = (
            ctx.button("bystander.danger_yes", "bystander:danger:yes"),
            ctx.button("bystander.danger_no", "bystander:danger:no"),
        )
        text = paragraphs(ctx.t("bystander.seen_ack"), ctx.t("bystander.danger_prompt"))
        return Step((ctx.reply(text, buttons),), state.at("danger"))

    def _danger(self, ctx: Context, state: DialogState) -> Step:
        text = section_text(ctx.topic("bystander"), "danger")
        buttons = (ctx.button("bystander.more_ds", "bystander:ds"), back_to_menu(ctx))
        return Step((ctx.reply(text, buttons),), state.at("danger"))

    def _d_buttons(self, ctx: Context, skip: str = "") -> tuple[Button, ...]:
        return tuple(ctx.button(f"bystander.{d}", f"bystander:d:{d}") for d in FIVE_DS if d != skip)

    def _five_ds(self, ctx: Context, state: DialogState) -> Step:
        buttons = (
            *self._d_buttons(ctx),
            ctx.button("bystander.afterwards", "bystander:afterwards"),
        )
        return Step((ctx.reply(ctx.t("bystander.ds_prompt"), buttons),), state.at("ds"))

    def _one_d(self, ctx: Context, state: DialogState, d: str) -> Step:
        text = section_text(ctx.topic("bystander"), d)
        buttons = (
            ctx.button("bystander.afterwards", "bystander:afterwards"),
            ctx.button("bystander.witness", "bystander:witness"),
            *self._d_buttons(ctx, skip=d),
        )
        return Step((ctx.reply(text, buttons),), state.at(d))

    def _afterwards(self, ctx: Context, state: DialogState) -> Step:
        text = section_text(ctx.topic("bystander"), "afterwards")
        buttons = (
            ctx.button("bystander.witness", "bystander:witness"),
            ctx.button("bystander.more_ds", "bystander:ds"),
            back_to_menu(ctx),
        )
        return Step((ctx.reply(text, buttons),), state.at("afterwards"))

    def _witness(self, ctx: Context, state: DialogState) -> Step:
        text = section_text(ctx.topic("bystander"), "witness")
        routes = ("confidential-adviser", "discrimination-agency", "police")
        buttons = (
            *(Button(ctx.topic(r).title, f"options:route:{r}") for r in routes),
            ctx.button("menu.signal", "topic:signal"),
            back_to_menu(ctx),
        )
        return Step((ctx.reply(text, buttons),), state.at("witness"))
