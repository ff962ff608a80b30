"""The shipped nginx configuration's limits and timeouts are the app's, number for number.

Changing one without the other lets nginx pass what the app refuses (an answer the user
cannot read) or cut off what the app would still answer (a turn taken but never shown).
"""

from __future__ import annotations

import re

from adapters.mattermost.request_body import MAX_BODY_BYTES as MATTERMOST_BODY_BYTES
from adapters.teams.request_body import MAX_BODY_BYTES as TEAMS_BODY_BYTES
from adapters.webchat.request_body import body_limit_for
from bot.app import create_app
from bot.connection import ServerLimits
from bot.server import IN_FLIGHT_SECONDS
from bot.settings import Settings
from tests.conftest import TEST_KDF
from tests.deploy.nginx_process import SHIPPED

CONF = re.sub(r"#[^\n]*", "", SHIPPED.read_text())  # the directives, without the comments
SERVER = CONF[CONF.index("listen 443") :]


def directive(name: str, text: str = SERVER) -> str:
    found = re.findall(rf"^\s*{name}\s+([^;]+);", text, re.MULTILINE)
    assert found, f"no {name} in the shipped configuration"
    return str(found[0])


def seconds(value: str) -> float:
    assert value.endswith("s"), value
    return float(value[:-1])


def kib(value: str) -> int:
    assert value.endswith("k"), value
    return int(value[:-1]) * 1024


def test_body_sizes_are_the_apps(tmp_path: object) -> None:
    app = create_app(Settings(data_dir=tmp_path, teams_enabled=False, **TEST_KDF))  # type: ignore[arg-type]
    assert kib(directive("client_max_body_size")) == app._client_max_size
    defaults = Settings()
    assert body_limit_for(defaults.max_message_chars) <= app._client_max_size
    assert app._client_max_size >= MATTERMOST_BODY_BYTES
    teams = SERVER[SERVER.index("location = /api/messages") :]
    assert kib(directive("client_max_body_size", teams)) == TEAMS_BODY_BYTES


def test_timeouts_are_the_apps() -> None:
    defaults = Settings()
    limits = ServerLimits.from_settings(defaults)
    assert seconds(directive("client_header_timeout")) == defaults.http_header_timeout_seconds
    assert seconds(directive("client_body_timeout")) == defaults.http_body_timeout_seconds
    assert seconds(directive("keepalive_timeout")) == defaults.http_keepalive_seconds
    assert int(directive("keepalive_requests")) == limits.max_requests_per_connection
    # nginx waits for a turn as long as a stopping replica lets one finish.
    assert seconds(directive("proxy_read_timeout")) == IN_FLIGHT_SECONDS


def test_nothing_of_the_client_is_logged_or_forwarded() -> None:
    log_format = CONF[CONF.index("log_format") : CONF.index(";", CONF.index("log_format"))]
    for leak in (
        "$remote_addr",
        "$http_x_forwarded_for",
        "$request ",
        "$uri",
        "$request_uri",
        "$args",
        "$request_time",
        "$body_bytes_sent",
        "$request_length",
        "$http_",
    ):
        assert leak not in log_format
    assert "$proxy_add_x_forwarded_for" not in CONF and "$remote_addr" not in CONF
    for header in ("X-Forwarded-For", "X-Real-IP", "Forwarded"):
        assert f'proxy_set_header {header} "";' in SERVER
    assert set(re.findall(r"error_log\s+\S+\s+(\w+);", CONF)) == {"emerg"}
    assert CONF.count("server_tokens off;") == 2
