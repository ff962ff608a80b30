"""What every dialog is made of: its state, the context it reads, and the step it returns.

Dialogs are pure: a step takes the event and the state and returns replies and the
new state. They read the knowledge base and the interface texts through
:class:`Context` and never do I/O.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Protocol

from bot.core import Button, Channel, Reply
from dialogs.effects import Effect, Result
from dialogs.messages import Messages
from knowledge.model import Topic

_NO_DATA: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class DialogState:
    """Where a conversation is: the active dialog, its step and a few small values."""

    dialog: str = ""
    step: str = ""
    data: Mapping[str, str] = field(default_factory=lambda: _NO_DATA)

    def at(self, step: str, **data: str) -> DialogState:
        merged = {**self.data, **data}
        return replace(self, step=step, data=MappingProxyType(merged))


IDLE = DialogState()


class TopicSource(Protocol):
    """The part of the knowledge base a dialog reads."""

    def topic(self, topic_id: str, lang: str) -> Topic: ...

    def has(self, topic_id: str, lang: str) -> bool: ...

    def contact(self, key: str, lang: str) -> str: ...


@dataclass(frozen=True, slots=True)
class Context:
    """What a dialog may read for one turn."""

    lang: str
    channel: Channel
    knowledge: TopicSource
    messages: Messages
    adviser: str = ""  # the name of the registered adviser writing, if any
    webchat_url: str = ""  # where the web chat is, for the strongest anonymity

    def t(self, key: str, **values: str) -> str:
        return self.messages.text(self.lang, key, **values)

    def topic(self, topic_id: str) -> Topic:
        return self.knowledge.topic(topic_id, self.lang)

    def contact(self, key: str) -> str:
        """The organisation's contact text (``{{contact:key}}``) in this language."""
        return self.knowledge.contact(key, self.lang)

    def reply(self, text: str, buttons: tuple[Button, ...] = ()) -> Reply:
        return Reply(text=text, lang=self.lang, buttons=buttons)

    def button(self, key: str, action: str) -> Button:
        return Button(label=self.t(key), action=action)

    def topic_button(self, topic_id: str) -> Button:
        return Button(label=self.topic(topic_id).title, action=f"topic:{topic_id}")


@dataclass(frozen=True, slots=True)
class Step:
    """The outcome of one dialog step; ``effect`` asks the service to do something first."""

    replies: tuple[Reply, ...]
    state: DialogState = IDLE
    effect: Effect | None = None
    # What this step showed, as (measure, category) of the yearly picture (bot.stats): the
    # service counts each at most once per conversation, after the turn is saved.
    counts: tuple[tuple[str, str], ...] = ()


class Dialog(Protocol):
    """A conversation of its own; ``name`` prefixes its button actions (``name:value``)."""

    name: str

    def start(self, ctx: Context, arg: str) -> Step: ...

    def on_action(self, ctx: Context, state: DialogState, value: str) -> Step | None:
        """Handle ``name:value``; ``None`` means the value is unknown here."""
        ...

    def on_text(self, ctx: Context, state: DialogState, text: str) -> Step | None:
        """Handle free text while active; ``None`` lets the matcher answer instead."""
        ...

    def on_form(
        self, ctx: Context, state: DialogState, form: str, data: Mapping[str, str]
    ) -> Step | None:
        """Handle a submitted form; ``None`` means the form is unknown here."""
        ...

    def form_open(self, state: DialogState) -> bool:
        """Whether ``state`` waits for a form (text typed in the box is then set aside)."""
        ...

    def offer_again(self, ctx: Context, form: str, data: Mapping[str, str]) -> Step | None:
        """A form sent where the conversation no longer is: say it was not sent, show it again.

        ``None`` means this dialog does not offer ``form`` again (it is refused as unknown).
        """
        ...

    def resume(self, ctx: Context, state: DialogState) -> Step:
        """Show the current step again (after a crisis interruption or a language switch)."""
        ...

    def after(self, ctx: Context, state: DialogState, effect: Effect, result: Result) -> Step:
        """Turn the result of this dialog's effect into replies."""
        ...


def paragraphs(*parts: str) -> str:
    """Join non-empty text parts with a blank line between them."""
    return "\n\n".join(part.strip() for part in parts if part and part.strip())


def section_text(topic: Topic, key: str) -> str:
    section = topic.section(key)
    return f"**{section.heading}**\n{section.text}"


class BaseDialog(ABC):
    """Defaults for the optional parts of :class:`Dialog`: nothing handled, nothing to resume."""

    name = ""

    @abstractmethod
    def start(self, ctx: Context, arg: str) -> Step: ...

    def on_action(self, ctx: Context, state: DialogState, value: str) -> Step | None:
        return None

    def on_text(self, ctx: Context, state: DialogState, text: str) -> Step | None:
        return None

    def on_form(
        self, ctx: Context, state: DialogState, form: str, data: Mapping[str, str]
    ) -> Step | None:
        return None

    def form_open(self, state: DialogState) -> bool:
        return False

    def offer_again(self, ctx: Context, form: str, data: Mapping[str, str]) -> Step | None:
        return None

    def resume(self, ctx: Context, state: DialogState) -> Step:
        return self.start(ctx, "")

    def after(self, ctx: Context, state: DialogState, effect: Effect, result: Result) -> Step:
        # Only a dialog that returned an effect is asked for its result.
        raise AssertionError(f"{self.name} asks for no effects")
