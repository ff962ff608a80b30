"""Privacy: the anonymity level this channel really gives, stated honestly."""

from __future__ import annotations

from bot.core import Channel
from dialogs.base import IDLE, BaseDialog, Context, DialogState, Step, paragraphs, section_text
from dialogs.menu import back_to_menu

PLATFORM_NAMES = {Channel.TEAMS: "Microsoft Teams", Channel.MATTERMOST: "Mattermost"}


def where_you_are(ctx: Context) -> str:
    """One line naming the channel the person is using now."""
    if ctx.channel is Channel.WEBCHAT:
        return ctx.t("privacy.here_webchat")
    if ctx.channel is Channel.CONSOLE:
        return ctx.t("privacy.here_console")
    return ctx.t("privacy.here_platform", platform=PLATFORM_NAMES[ctx.channel])


class PrivacyDialog(BaseDialog):
    """The three anonymity levels, what this channel keeps, what the bot stores, your rights."""

    name = "privacy"

    def start(self, ctx: Context, arg: str) -> Step:
        topic = ctx.topic("privacy")
        channel_section = "webchat" if ctx.channel is Channel.WEBCHAT else "platform"
        text = paragraphs(
            topic.intro,
            section_text(topic, "levels"),
            where_you_are(ctx),
            section_text(topic, channel_section),
            section_text(topic, "data"),
            section_text(topic, "rights"),
        )
        buttons = (
            ctx.button("menu.signal", "topic:signal"),
            ctx.button("menu.options", "topic:options"),
            back_to_menu(ctx),
        )
        return Step((ctx.reply(text, buttons),), IDLE)

    def resume(self, ctx: Context, state: DialogState) -> Step:
        return self.start(ctx, "")
