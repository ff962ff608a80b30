"""Runs one conversation on a text stream; works on a terminal and from a script on stdin."""

from __future__ import annotations

import logging
import re
import secrets
import shutil
import textwrap
from collections.abc import Callable, Sequence
from typing import Protocol, TextIO

from bot.core import Channel, FieldKind, Form, FormField, Incoming, Kind, Reply, user_spans

# The terminal's own prompts; everything else the person reads comes from the core.
SKIP_HINT = {"nl": "Enter = overslaan", "en": "Enter to skip"}
MULTI_HINT = {"nl": "nummers met komma's, bijv. 1,3", "en": "numbers with commas, e.g. 1,3"}
KEEP_HINT = {"nl": "Enter = zo laten", "en": "Enter to keep it"}
FILLED = {"nl": "Ingevuld", "en": "Filled in"}
PICK_HINT = {
    "nl": "Kies een of meer nummers uit de lijst.",
    "en": "Choose one or more numbers from the list.",
}
APOLOGY = (
    "Sorry, er ging bij mij iets mis. Probeer het nog eens. / "
    "Sorry, something went wrong on my side. Please try again."
)
log = logging.getLogger("meldwijzer.console")
QUIT_WORDS = frozenset({"/quit", "/exit", "/stop", "quit", "exit", "stoppen"})
_BOLD = re.compile(r"\*\*(.+?)\*\*")


class TurnHandler(Protocol):
    async def handle(self, incoming: Incoming) -> Sequence[Reply]: ...


class SecretPrompt(Protocol):
    def __call__(self, prompt: str) -> str: ...


def render_reply(reply: Reply) -> str:
    """Plain text with numbered choices; our ``**bold**`` shown as plain text.

    A person's own words (a signal, a thread message) are printed exactly as they wrote them,
    asterisks included.
    """
    text = "".join(
        part if theirs else _BOLD.sub(r"\1", part) for theirs, part in user_spans(reply.text)
    )
    lines = [text]
    for number, button in enumerate(reply.buttons, start=1):
        lines.append(f"  {number}) {button.label}")
    return "\n".join(lines)


class ConsoleChannel:
    """Reads lines, sends them to the core, prints the replies."""

    def __init__(
        self,
        handler: TurnHandler,
        stdin: TextIO,
        stdout: TextIO,
        *,
        locale: str | None = None,
        ask_secret: SecretPrompt | None = None,
        conversation: Callable[[], str] = lambda: secrets.token_hex(16),
    ) -> None:
        self._handler = handler
        self._in = stdin
        self._out = stdout
        self._locale = locale
        self._ask_secret = ask_secret
        self._conversation = conversation()
        self._last: Reply | None = None

    async def run(self) -> None:
        await self._send(
            Incoming(Channel.CONSOLE, self._conversation, Kind.START, locale=self._locale)
        )
        while (line := self._readline("> ")) is not None:
            if line.strip().casefold() in QUIT_WORDS:
                break
            await self._send(self._to_incoming(line))

    def _to_incoming(self, line: str) -> Incoming:
        text = line.strip()
        buttons = self._last.buttons if self._last else ()
        if text.isdigit() and 1 <= int(text) <= len(buttons):
            action = buttons[int(text) - 1].action
            return Incoming(Channel.CONSOLE, self._conversation, Kind.ACTION, action=action)
        return Incoming(Channel.CONSOLE, self._conversation, Kind.TEXT, text=line.rstrip("\n"))

    async def _send(self, incoming: Incoming, *, fill: bool = True) -> None:
        try:
            replies = await self._handler.handle(incoming)
        except Exception as exc:  # the channel's one catch-all: apologise, log the type only
            log.error("console turn failed: %s", type(exc).__name__)
            self._print(APOLOGY)
            return
        for reply in replies:
            self._print(render_reply(reply))
            if reply.buttons:
                self._last = reply
        forms = [(reply.form, reply.lang) for reply in replies if reply.form is not None]
        if forms and fill:
            await self._fill(*forms[-1])

    async def _fill(self, form: Form, lang: str) -> None:
        self._print(f"[{form.title}]")
        data: dict[str, str] = {}
        for field in form.fields:
            value = await self._ask_field(field, lang)
            if value is None:
                return
            data[field.name] = value
        await self._send(
            Incoming(Channel.CONSOLE, self._conversation, Kind.FORM, form=form.id, data=data)
        )

    async def _ask_field(self, field: FormField, lang: str) -> str | None:
        if field.hint:
            self._print(field.hint)
        prompt = _prompt(field, lang)
        if field.kind is FieldKind.PASSWORD and self._ask_secret is not None:
            return self._ask_secret(prompt)
        while True:
            if field.kind in (FieldKind.CHOICE, FieldKind.MULTI):
                choices = (f"  {n}) {c.label}" for n, c in enumerate(field.choices, start=1))
                self._out.write("\n".join(choices) + "\n")
            if field.prefill:
                # What the person wrote before (a form shown again): Enter keeps it as it was.
                self._out.write(f"{FILLED.get(lang, FILLED['en'])}: {_shown(field)}\n")
            answer = self._readline(prompt)
            if answer is None:
                return None
            answer = answer.strip()
            if not answer:
                return field.prefill
            if not field.choices:
                return answer
            picked = _choice_values(field, answer)
            if picked is not None:
                return picked
            # Not a choice: words typed at a prompt go to the core as a message, so "he is at my
            # door" is answered with 112 at once (the core never keeps text beside a form);
            # then the same question again.
            words = Incoming(Channel.CONSOLE, self._conversation, Kind.TEXT, text=answer)
            await self._send(words, fill=False)
            self._print(PICK_HINT.get(lang, PICK_HINT["en"]))

    def _readline(self, prompt: str) -> str | None:
        if self._in.isatty():
            self._out.write(prompt)
            self._out.flush()
        line = self._in.readline()
        return None if line == "" else line

    def _print(self, text: str) -> None:
        if self._out.isatty():
            text = _wrapped(text, shutil.get_terminal_size().columns)
        self._out.write(text + "\n\n")
        self._out.flush()


def _prompt(field: FormField, lang: str) -> str:
    hints = []
    if field.kind is FieldKind.MULTI:
        hints.append(MULTI_HINT.get(lang, MULTI_HINT["en"]))
    if field.prefill:
        hints.append(KEEP_HINT.get(lang, KEEP_HINT["en"]))
    elif not field.required:
        hints.append(SKIP_HINT.get(lang, SKIP_HINT["en"]))
    label = field.label.rstrip()
    separator = " " if label.endswith(("?", ":", ")")) else ": "
    extra = f" [{', '.join(hints)}]" if hints else ""
    return f"{label}{extra}{separator}"


def _shown(field: FormField) -> str:
    """A prefilled value as the person reads it: a choice by its label."""
    if not field.choices:
        return field.prefill
    labels = {choice.value: choice.label for choice in field.choices}
    return ", ".join(labels.get(value, value) for value in field.prefill.split(","))


def _wrapped(text: str, width: int) -> str:
    """Break long lines at spaces for a terminal; choices and short lines stay as they are."""
    width = max(40, width - 1)
    return "\n".join(
        textwrap.fill(line, width, subsequent_indent="     " if line.startswith("  ") else "")
        if len(line) > width
        else line
        for line in text.split("\n")
    )


def _choice_values(field: FormField, answer: str) -> str | None:
    """Numbers (``1`` or ``1,3``), values or labels pick choices; None when one picks nothing.

    One choice only for a CHOICE field; the core checks the values again.
    """
    by_name = {c.value.casefold(): c.value for c in field.choices}
    by_name.update({c.label.casefold(): c.value for c in field.choices})
    if answer.casefold() in by_name:
        return by_name[answer.casefold()]
    picked = []
    for part in filter(None, re.split(r"[,\s]+", answer)):
        if part.isdigit() and 1 <= int(part) <= len(field.choices):
            picked.append(field.choices[int(part) - 1].value)
        elif part.casefold() in by_name:
            picked.append(by_name[part.casefold()])
        else:
            return None
    if field.kind is FieldKind.CHOICE and len(picked) != 1:
        return None
    return ",".join(picked)
