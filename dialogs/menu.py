"""The welcome and help menu, and the fallback that shows the menu instead of guessing."""

from __future__ import annotations

from bot.core import LANGUAGES, Button
from dialogs.base import IDLE, BaseDialog, Context, DialogState, Step, paragraphs


def menu_buttons(ctx: Context) -> tuple[Button, ...]:
    other = next(lang for lang in LANGUAGES if lang != ctx.lang)
    desk = (ctx.button("adviser.desk", "adviser:inbox"),) if ctx.adviser else ()
    return (
        *desk,
        ctx.button("menu.options", "topic:options"),
        ctx.button("menu.bystander", "topic:bystander"),
        ctx.button("menu.signal", "topic:signal"),
        ctx.button("menu.follow_up", "topic:follow-up"),
        ctx.button("menu.privacy", "topic:privacy"),
        ctx.button("menu.crisis", "topic:crisis"),
        ctx.button("menu.switch_language", f"lang:{other}"),
    )


def back_to_menu(ctx: Context) -> Button:
    return ctx.button("menu.menu", "menu:show")


class MenuDialog(BaseDialog):
    """Welcome, help and fallback: always ends with the menu so nobody gets stuck."""

    name = "menu"

    def start(self, ctx: Context, arg: str) -> Step:
        if arg == "welcome":
            text = paragraphs(ctx.t("menu.welcome"), ctx.t("menu.choose"))
        elif arg == "fallback":
            text = ctx.t("menu.fallback")
        else:
            text = paragraphs(ctx.topic("help").intro, ctx.t("menu.help"))
        return Step((ctx.reply(text, menu_buttons(ctx)),), IDLE)

    def on_action(self, ctx: Context, state: DialogState, value: str) -> Step | None:
        return self.start(ctx, "help") if value == "show" else None

    def resume(self, ctx: Context, state: DialogState) -> Step:
        return self.start(ctx, "help")
