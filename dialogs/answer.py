"""Answers for topics that need no steps: the topic's text and its related topics."""

from __future__ import annotations

from bot.core import Button
from dialogs.base import IDLE, BaseDialog, Context, DialogState, Step, paragraphs, section_text
from dialogs.menu import back_to_menu
from knowledge.model import ROUTE_TOPICS, Topic


def related_buttons(ctx: Context, topic: Topic) -> tuple[Button, ...]:
    """Buttons to the related topics that exist in this language; routes open in options."""
    buttons = []
    for related in topic.related:
        if not ctx.knowledge.has(related, ctx.lang) or related == topic.id:
            continue
        title = ctx.topic(related).title
        action = f"options:route:{related}" if related in ROUTE_TOPICS else f"topic:{related}"
        buttons.append(Button(label=title, action=action))
    return tuple(buttons)


def full_text(topic: Topic) -> str:
    """The intro and every section, for topics read as one answer."""
    return paragraphs(topic.intro, *(section_text(topic, key) for key in topic.sections))


def section_answer(ctx: Context, topic_id: str, key: str) -> Step:
    """One section of a topic that answers the question by itself ("I lost my code")."""
    topic = ctx.topic(topic_id)
    if key not in topic.sections:
        return AnswerDialog().start(ctx, topic_id)
    own = Button(label=topic.title, action=f"topic:{topic_id}")
    buttons = (own, *related_buttons(ctx, topic), back_to_menu(ctx))
    return Step((ctx.reply(section_text(topic, key), buttons),), IDLE)


class AnswerDialog(BaseDialog):
    """Shows one topic in full with buttons to related topics and the menu."""

    name = "answer"

    def start(self, ctx: Context, arg: str) -> Step:
        topic = ctx.topic(arg)
        buttons = (*related_buttons(ctx, topic), back_to_menu(ctx))
        return Step((ctx.reply(full_text(topic), buttons),), IDLE)

    def resume(self, ctx: Context, state: DialogState) -> Step:
        return Step((), IDLE)
