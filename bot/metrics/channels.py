"""Channel health as far as this process knows it: up, down, or not known (then left out).

* webchat: served by this process, so up whenever a scrape is answered.
* mattermost: up while this replica's websocket is connected; down when it is stopped,
  refused or reconnecting; not known on a replica in standby (another one listens).
* teams, email: not known. Teams only calls us and e-mail is sent now and then; neither
  keeps a connection whose state could be read. Dead notices
  (``meldwijzer_outbox_dead``) are where their failures show.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.metrics.scrape import ChannelHealth

WEBCHAT = "webchat"
MATTERMOST = "mattermost"
STANDBY = "standby"


def channel_health(
    enabled: frozenset[str], mattermost: Callable[[], Mapping[str, Any]] | None = None
) -> dict[str, ChannelHealth]:
    """``enabled``: the notice channels on; ``mattermost``: its ``/healthz`` report."""
    health: dict[str, ChannelHealth] = {WEBCHAT: lambda: True}
    for channel in enabled:
        health[channel] = lambda: None
    if mattermost is not None:
        report = mattermost
        health[MATTERMOST] = lambda: mattermost_up(report())
    return health


def mattermost_up(report: Mapping[str, Any]) -> bool | None:
    state = report.get(MATTERMOST, {})
    if state.get("listener") == STANDBY:
        return None
    return bool(state.get("socket") == "connected")
