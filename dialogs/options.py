"""The overview of routes for reporting or complaining, and a drill-down per route."""

from __future__ import annotations

from bot.core import Button
from dialogs.answer import related_buttons
from dialogs.base import BaseDialog, Context, DialogState, Step, paragraphs, section_text
from dialogs.menu import back_to_menu
from knowledge.model import ROUTE_SECTIONS, ROUTE_TOPICS


class OptionsDialog(BaseDialog):
    """``options:overview`` lists the routes; ``options:route:<id>`` explains one of them."""

    name = "options"

    def start(self, ctx: Context, arg: str) -> Step:
        if arg in ROUTE_TOPICS:
            return self._route(ctx, arg)
        return self._overview(ctx)

    def on_action(self, ctx: Context, state: DialogState, value: str) -> Step | None:
        if value == "overview":
            return self._overview(ctx)
        kind, _, route = value.partition(":")
        if kind == "route" and route in ROUTE_TOPICS and ctx.knowledge.has(route, ctx.lang):
            return self._route(ctx, route)
        return None

    def resume(self, ctx: Context, state: DialogState) -> Step:
        route = state.data.get("route", "")
        return self.start(ctx, route)

    def _overview(self, ctx: Context) -> Step:
        topic = ctx.topic("options")
        routes = topic.routes or ROUTE_TOPICS
        buttons = tuple(
            Button(label=ctx.topic(route).title, action=f"options:route:{route}")
            for route in routes
            if ctx.knowledge.has(route, ctx.lang)
        )
        text = paragraphs(topic.intro, ctx.t("options.overview_prompt"))
        return Step(
            (ctx.reply(text, (*buttons, back_to_menu(ctx))),),
            DialogState(dialog=self.name, step="overview"),
        )

    def _route(self, ctx: Context, route: str) -> Step:
        topic = ctx.topic(route)
        # The next step comes last, after any sections a topic adds, so the answer ends on it.
        first = [key for key in ROUTE_SECTIONS if key != "next" and key in topic.sections]
        extra = [key for key in topic.sections if key not in ROUTE_SECTIONS]
        last = ["next"] if "next" in topic.sections else []
        keys = (*first, *extra, *last)
        text = paragraphs(
            f"**{topic.title}**", topic.intro, *(section_text(topic, key) for key in keys)
        )
        buttons = (
            *related_buttons(ctx, topic),
            ctx.button("options.all", "options:overview"),
            back_to_menu(ctx),
        )
        state = DialogState(dialog=self.name, step="route").at("route", route=route)
        return Step((ctx.reply(text, buttons),), state)
