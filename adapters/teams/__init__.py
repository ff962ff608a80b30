"""The Microsoft Teams channel (Bot Framework): ``POST /api/messages`` and adviser notices.

Every botbuilder and msrest import of Meldwijzer lives in this folder, so replacing the
archived Bot Framework SDK touches this folder only. Public surface:

* :func:`setup_teams` mounts the endpoint and returns a :class:`TeamsChannel`;
* :class:`TeamsNotifier` (``channel.notifier``) sends notices to advisers;
* :class:`TeamsNoticeChannel` puts that notifier behind the outbox's notice port;
* :func:`write_app_package` writes the Teams app zip (manifest and icons);
* :class:`TurnHandler` is what the channel needs from the conversation core.
"""

from __future__ import annotations

from adapters.teams.endpoints import PUBLIC_CLOUD, TeamsEndpoints
from adapters.teams.key_cache import KeyRefreshPolicy
from adapters.teams.notices import TeamsNoticeChannel
from adapters.teams.notifier import TeamsNotifier
from adapters.teams.package import write_app_package
from adapters.teams.references import AdviserConversationRow
from adapters.teams.retry import RetryPolicy
from adapters.teams.setup import TeamsChannel, build_teams_channel, setup_teams
from adapters.teams.turn import TurnHandler

__all__ = [
    "PUBLIC_CLOUD",
    "AdviserConversationRow",
    "KeyRefreshPolicy",
    "RetryPolicy",
    "TeamsChannel",
    "TeamsEndpoints",
    "TeamsNoticeChannel",
    "TeamsNotifier",
    "TurnHandler",
    "build_teams_channel",
    "setup_teams",
    "write_app_package",
]
