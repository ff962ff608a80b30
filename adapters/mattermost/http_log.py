"""The REST client's request lines, logged without the ids in their paths.

``requests`` sends through urllib3, whose ``connectionpool`` logger writes every request line
at DEBUG (``"GET /api/v4/users/<id> HTTP/1.1" 200``). Mattermost's REST paths name the person
(``/users/{id}``), their direct channel (``/channels/{id}/posts``) and the posts
(``/posts/{id}/patch``), so anyone turning on DEBUG logging would write who talked to the bot
into the log. The filter keeps the line (the method, the resource, the status help an
operator) and replaces every id: Mattermost ids are 26 characters of ``[a-z0-9]``
(``model.NewId``, server/public/model/utils.go).
"""

from __future__ import annotations

import logging
import re

HTTP_LOGGER = "urllib3.connectionpool"
_API_PATH = re.compile(r"/api/v4/[^\s\"']*")
_ID = re.compile(r"(?<![A-Za-z0-9])[a-z0-9]{26}(?![A-Za-z0-9])")


def _hidden(path: re.Match[str]) -> str:
    without_query = path.group(0).split("?", 1)[0]
    return _ID.sub("<id>", without_query)


class HideApiPaths(logging.Filter):
    """Rewrites a logged Mattermost REST path so no user, channel or post id is kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/api/v4/" in message:
            record.msg = _API_PATH.sub(_hidden, message)
            record.args = ()
        return True


_HIDE_API_PATHS = HideApiPaths()


def hide_api_paths_in_http_logs() -> None:
    """Idempotent: a logger keeps one copy of the same filter."""
    logging.getLogger(HTTP_LOGGER).addFilter(_HIDE_API_PATHS)
