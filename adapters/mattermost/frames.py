"""What travels over the Mattermost websocket, and where it connects.

Shapes from the API reference (api.mattermost.com, "WebSocket") and the server
(``server/channels/app/platform/web_conn.go``, ``websocket_router.go``): a server event is
``{"event", "data", "broadcast", "seq"}``; a reply to one of our actions is
``{"status": "OK" | "FAIL", "seq_reply", "error"?}``.

Resuming: the reconnect URL carries ``connection_id`` and ``sequence_number``, and
``sequence_number`` is the ``seq`` of the NEXT event the client expects, i.e. the last one
received plus one. The web app keeps ``serverSequence = msg.seq + 1`` and sends it
(``webapp/platform/client/src/websocket.ts``); the server sets its counter to that value and
replays its dead queue from the event carrying exactly that ``seq`` (``isInDeadQueue(wc
.Sequence)`` in ``web_conn.go``). A resumed connection gets NO new ``hello`` (``web_hub.go``:
hello only when ``reuseCount == 0``); a lost one gets a ``hello`` with a new connection id.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

WEBSOCKET_PATH = "/api/v4/websocket"
ME_PATH = "/api/v4/users/me"


@dataclass(frozen=True, slots=True)
class Resume:
    connection_id: str
    sequence_number: int


def websocket_url(base_url: str, resume: Resume | None) -> str:
    """``https://host/sub`` → ``wss://host/sub/api/v4/websocket?connection_id=…``."""
    parts = urlsplit(base_url.rstrip("/"))
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    query = ""
    if resume is not None:
        query = urlencode(
            {"connection_id": resume.connection_id, "sequence_number": resume.sequence_number}
        )
    return urlunsplit((scheme, parts.netloc, parts.path + WEBSOCKET_PATH, query, ""))


def me_url(base_url: str) -> str:
    return base_url.rstrip("/") + ME_PATH


def challenge(seq: int, token: str) -> dict[str, Any]:
    """The ``authentication_challenge`` action (older servers, or no header on the upgrade)."""
    return {"seq": seq, "action": "authentication_challenge", "data": {"token": token}}


def parse(text: str) -> Mapping[str, Any] | None:
    """A frame as a JSON object, or None when it is not one."""
    try:
        frame = json.loads(text)
    except ValueError:
        return None
    return frame if isinstance(frame, dict) else None


def is_reply(frame: Mapping[str, Any]) -> bool:
    return "seq_reply" in frame


def is_event(frame: Mapping[str, Any]) -> bool:
    return isinstance(frame.get("event"), str) and isinstance(frame.get("seq"), int)


def reply_refuses_auth(frame: Mapping[str, Any], challenge_seq: int | None) -> bool:
    """A ``FAIL`` answer to our challenge, or any reply that says we are not authenticated."""
    if frame.get("status") != "FAIL":
        return False
    if challenge_seq is not None and frame.get("seq_reply") == challenge_seq:
        return True
    error = frame.get("error")
    return isinstance(error, Mapping) and error.get("status_code") == 401


def hello_connection_id(frame: Mapping[str, Any]) -> str | None:
    if frame.get("event") != "hello":
        return None
    data = frame.get("data")
    value = data.get("connection_id") if isinstance(data, Mapping) else None
    return value if isinstance(value, str) and value else None
