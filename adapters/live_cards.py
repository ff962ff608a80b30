"""Which of the bot's own cards (Teams) or posts (Mattermost) still show live buttons.

When a reply supersedes what came before (``Reply.supersedes``), a channel that can edit its
own messages takes the buttons and inputs out of the earlier ones, so nobody answers an old
question. This map remembers, per conversation, the messages that still have them.

It lives in the process only, never in the database: a Teams activity id is a timestamp and
a Mattermost post id names a post in someone's direct message, so a table of them would tell
a stolen database who talked to the bot and when. What a restart or another replica forgets
simply stays clickable, and the core answers an old button as it always has (a stale form is
"not sent", a used Mattermost button is refused). The map is bounded three ways, so a flood
of conversations costs a fixed amount of memory: at most ``per_conversation`` cards each, at
most ``max_conversations`` conversations (the one settled longest ago goes first), and
nothing older than ``ttl_seconds``.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

Card = TypeVar("Card")

MAX_CONVERSATIONS = 2048
PER_CONVERSATION = 4
# As long as a Mattermost button stays valid (CallbackSigner's ttl): after that an old card
# does nothing anyway, and an edit of a day-old message would only puzzle its reader.
TTL_SECONDS = 12 * 3600.0


@dataclass(frozen=True, slots=True)
class Shown(Generic[Card]):
    """One reply as shown: whether it supersedes what came before, and its live cards."""

    supersedes: bool
    cards: tuple[Card, ...] = ()


@dataclass(frozen=True, slots=True)
class _Entry(Generic[Card]):
    cards: tuple[Card, ...]
    expires: float


class LiveCards(Generic[Card]):
    """Per conversation, the cards that still have live buttons, oldest first."""

    def __init__(
        self,
        *,
        max_conversations: int = MAX_CONVERSATIONS,
        per_conversation: int = PER_CONVERSATION,
        ttl_seconds: float = TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max = max_conversations
        self._per = per_conversation
        self._ttl = ttl_seconds
        self._clock = clock
        self._entries: OrderedDict[str, _Entry[Card]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def live(self, conversation: str) -> tuple[Card, ...]:
        entry = self._entries.get(conversation)
        if entry is None or entry.expires <= self._clock():
            return ()
        return entry.cards

    def settle(self, conversation: str, shown: Sequence[Shown[Card]]) -> list[Card]:
        """Record one turn's replies, in order; the cards they superseded, to be edited.

        Synchronous on purpose: two turns of one conversation that finish at the same time
        each settle in one step, so no card is lost between them or edited twice.
        """
        live = list(self.live(conversation))
        stale: list[Card] = []
        for reply in shown:
            if reply.supersedes:
                stale.extend(live)
                live = []
            live.extend(reply.cards)
        self._entries.pop(conversation, None)
        if live:
            self._entries[conversation] = _Entry(tuple(live[-self._per :]), self._expiry())
            self._evict()
        return stale

    def _expiry(self) -> float:
        return self._clock() + self._ttl

    def _evict(self) -> None:
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)
