"""A core that answers by the word it gets, for the channels' tests of cards that go stale.

Stands for the conversation service only where a test needs exact replies: a menu, a form, an
aside that supersedes nothing, a receipt, two replies in one turn, plain text.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core import Button, Form, Incoming, Reply


class ScriptedCore:
    """``form`` is the prefilled form the word "form" brings; sending it back gets plain text."""

    def __init__(self, form: Form) -> None:
        self.form = form
        self.seen: list[Incoming] = []

    async def handle(self, incoming: Incoming) -> Sequence[Reply]:
        self.seen.append(incoming)
        word = incoming.text or incoming.action or incoming.form
        back = (Button("Terug", "back"),)
        replies = {
            "form": [Reply("Vul in:", form=self.form)],
            "aside": [Reply("Gebruik het formulier.", buttons=back, supersedes=False)],
            "quiet": [Reply("Even dit.", supersedes=False)],
            "receipt": [Reply("Je code: ABCD-EFGH", sensitive=True)],
            "two": [
                Reply("Eerst dit", buttons=(Button("A", "a"),)),
                Reply("Dan dit", buttons=(Button("B", "b"),)),
            ],
            "plain": [Reply("Alleen tekst.")],
            self.form.id: [Reply("Alleen tekst.")],
        }
        menu = [Reply(f"Menu na {word}", buttons=(Button("Ja", "yes"), Button("Nee", "no")))]
        return replies.get(word, menu)
