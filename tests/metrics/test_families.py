"""The in-memory metrics on their own: labels from fixed sets, effect time left out."""

from __future__ import annotations

from prometheus_client import generate_latest

from bot.core import Channel
from bot.metrics import AppMetrics
from bot.metrics.channels import channel_health, mattermost_up
from bot.metrics.families import status_class
from tests.metrics.conftest import samples_of, value


def test_the_effect_time_is_left_out_of_the_turn() -> None:
    metrics = AppMetrics()
    metrics.turns.turn_ended(Channel.WEBCHAT, 3.02, 3.0)
    samples = samples_of(generate_latest(metrics.registry).decode())
    assert value(samples, "meldwijzer_turn_seconds_bucket", channel="webchat", le="0.025") == 1
    assert value(samples, "meldwijzer_turn_seconds_bucket", channel="webchat", le="0.01") == 0


def test_two_apps_keep_their_own_numbers() -> None:
    first, second = AppMetrics(), AppMetrics()
    first.turns.turn_ended(Channel.TEAMS, 0.01, 0.0)
    samples = samples_of(generate_latest(second.registry).decode())
    assert value(samples, "meldwijzer_turn_seconds_count", channel="teams") is None


def test_status_classes_are_a_fixed_set() -> None:
    assert [status_class(s) for s in (101, 200, 302, 404, 503, 0, 999)] == [
        "1xx",
        "2xx",
        "3xx",
        "4xx",
        "5xx",
        "other",
        "other",
    ]


def test_mattermost_is_up_only_while_its_socket_is_connected() -> None:
    def report(listener: str, socket: str) -> dict[str, object]:
        return {"mattermost": {"listener": listener, "socket": socket}}

    assert mattermost_up(report("leader", "connected")) is True
    assert mattermost_up(report("single", "reconnecting")) is False
    assert mattermost_up(report("stopped", "unauthorized")) is False
    assert mattermost_up(report("single", "starting")) is False
    # Another replica listens: this one does not know how that goes.
    assert mattermost_up(report("standby", "starting")) is None


def test_channels_this_process_cannot_see_are_not_known() -> None:
    health = channel_health(frozenset({"teams", "email"}))
    assert {name: check() for name, check in health.items()} == {
        "webchat": True,
        "teams": None,
        "email": None,
    }
