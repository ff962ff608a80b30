"""Request lines of the HTTP library without the ids of Mattermost users, channels, posts.

mattermostdriver sends through ``requests``, whose urllib3 connection pool logs every request
line at DEBUG (``"GET /api/v4/channels/<id>/posts?since=…"``). Those paths name the person's
DM channel, their user id and the posts of a conversation, which must reach no log line, on
anonymous flows as on any other. Mattermost ids are 26 characters of ``[a-z0-9]``
(``model.NewId``); in a logged Mattermost API path each one is replaced, the rest of the line
(method, resource, status) kept for debugging.
"""

from __future__ import annotations

import logging
import re

HTTP_LOGGER = "urllib3.connectionpool"
API_PREFIX = "/api/v4/"
_ID = re.compile(r"(?<![A-Za-z0-9])[a-z0-9]{26}(?![A-Za-z0-9])")
_API_PATH = re.compile(r"/api/v4/[^\s\"]*")


class HideMattermostIds(logging.Filter):
    """Rewrites a logged Mattermost API path so no user, channel or post id is kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if API_PREFIX in message:
            record.msg = _API_PATH.sub(lambda path: _ID.sub("<hidden>", path.group(0)), message)
            record.args = ()
        return True


_HIDE_MATTERMOST_IDS = HideMattermostIds()


def hide_ids_in_http_logs() -> None:
    """Idempotent: a logger keeps one copy of the same filter."""
    logging.getLogger(HTTP_LOGGER).addFilter(_HIDE_MATTERMOST_IDS)
