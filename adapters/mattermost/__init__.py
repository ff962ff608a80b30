"""The Mattermost channel: direct messages over a websocket, buttons, dialogs, notices.

Every ``mattermostdriver`` and ``requests`` import of Meldwijzer, and every Mattermost JSON
shape, lives in this folder. The REST client sits behind :class:`MattermostApi`, so
replacing the archived driver touches one file. Public surface:

* :func:`setup_mattermost` mounts the callbacks (``/api/mattermost/actions``,
  ``/api/mattermost/dialogs``, ``/api/mattermost/command``), checks the bot token, and runs
  the listener (the websocket, on the one replica holding the lock) for the app's
  lifetime; it returns a :class:`MattermostChannel`;
* :class:`MattermostChannel` (``.notices``, ``.health()`` for ``/healthz``);
* :class:`MattermostNoticeChannel` sends adviser notices as direct messages;
* :class:`TurnHandler` is what the channel needs from the conversation core.
"""

from __future__ import annotations

from adapters.mattermost.notices import MattermostNoticeChannel
from adapters.mattermost.setup import MattermostChannel, setup_mattermost
from adapters.mattermost.turn import TurnHandler

__all__ = [
    "MattermostChannel",
    "MattermostNoticeChannel",
    "TurnHandler",
    "setup_mattermost",
]
