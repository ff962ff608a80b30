"""Asking instead of guessing: "Bedoel je ...?" with the likely topics and the menu.

The matcher asks when its best topics are close or its best score is low
(:class:`knowledge.model.Match`); a wrong page costs the person more than one question.
"""

from __future__ import annotations

from bot.core import Button
from dialogs.base import IDLE, Context, Step
from dialogs.menu import back_to_menu


def clarify(ctx: Context, choices: tuple[str, ...]) -> Step:
    """One short question with a button per topic that exists in this language, then the menu."""
    buttons = tuple(
        Button(ctx.topic(topic).title, f"topic:{topic}")
        for topic in choices
        if ctx.knowledge.has(topic, ctx.lang)
    )
    return Step((ctx.reply(ctx.t("menu.clarify"), (*buttons, back_to_menu(ctx))),), IDLE)
