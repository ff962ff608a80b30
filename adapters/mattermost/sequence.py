"""Keeping the server's event stream in order across reconnects.

Every server event carries ``seq``, counting up from the ``hello`` (seq 0) of its connection
id. The web app treats any ``seq`` other than the expected one as missed events
(``webapp/platform/client/src/websocket.ts``: "missed websocket event"), and a ``hello`` with
a connection id other than the one it had as "long timeout, or server restart, or sequence
number is not found" → it syncs over REST. :class:`EventOrder` does the same without
reconnecting: it turns frames into deliveries for the handler, drops replayed events it has
already delivered, and reports a gap or a new connection id as ``Hello(resumed=False)`` so
the listener catches up over REST.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adapters.mattermost.frames import Resume, hello_connection_id


@dataclass(frozen=True, slots=True)
class Hello:
    first: bool
    resumed: bool
    position: Resume | None = None  # where the stream stands once this is handled


@dataclass(frozen=True, slots=True)
class Event:
    frame: Mapping[str, Any]
    position: Resume | None = None


Delivery = Hello | Event


class EventOrder:
    """The receiving side's view of one connection id's event stream."""

    def __init__(self) -> None:
        self._connection_id: str | None = None
        self._next_seq = 0
        self._awaiting_first = False

    def resume(self) -> Resume | None:
        """What to send on the next upgrade, if there is a stream to resume."""
        if self._connection_id is None:
            return None
        return Resume(self._connection_id, self._next_seq)

    def connected(self) -> None:
        """A new socket is open; its first frame says whether the resume worked."""
        self._awaiting_first = self._connection_id is not None

    def rewind(self, handled: Resume | None) -> None:
        """Forget what was received but never handled, so a later resume replays it."""
        if handled is None:
            self._connection_id, self._next_seq = None, 0
        else:
            self._connection_id, self._next_seq = handled.connection_id, handled.sequence_number
        self._awaiting_first = False

    def accept(self, frame: Mapping[str, Any]) -> list[Delivery]:
        """The deliveries one server event makes, in order (possibly none)."""
        seq = frame.get("seq")
        if not isinstance(seq, int):
            return []
        if frame.get("event") == "hello":
            return self._hello(frame, seq)
        if self._connection_id is None:
            return [Event(frame)]  # no hello yet: nothing to resume or compare with
        deliveries: list[Delivery] = []
        if seq > self._next_seq:
            deliveries.append(Hello(first=False, resumed=False))  # a gap: events were lost
        elif self._awaiting_first:
            deliveries.append(Hello(first=False, resumed=True))  # the server replays
        self._awaiting_first = False
        if seq < self._next_seq:
            return deliveries  # replayed, and delivered before
        self._next_seq = seq + 1
        deliveries.append(Event(frame, Resume(self._connection_id, self._next_seq)))
        return deliveries

    def _hello(self, frame: Mapping[str, Any], seq: int) -> list[Delivery]:
        connection_id = hello_connection_id(frame)
        if connection_id is None:
            return []
        self._awaiting_first = False
        if connection_id == self._connection_id:
            # The same id: the server kept our stream. Its counter goes on where we asked,
            # so this hello does not move ours (a replayed event must not look delivered).
            return [Hello(first=False, resumed=True)]
        first = self._connection_id is None
        self._connection_id, self._next_seq = connection_id, seq + 1
        return [Hello(first=first, resumed=False, position=Resume(connection_id, seq + 1))]
