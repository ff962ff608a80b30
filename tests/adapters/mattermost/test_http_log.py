"""The HTTP library's request lines name no Mattermost user, channel or post."""

from __future__ import annotations

import logging

import pytest

from adapters.mattermost.driver_rest import DriverApi
from adapters.mattermost.http_log import HTTP_LOGGER, hide_ids_in_http_logs

USER = "h9bi8uyw3auzhfwqqu6e8ap4rc"
CHANNEL = "cityngt7wfe8rooajio9yfbigo"


def request_line(caplog: pytest.LogCaptureFixture, path: str) -> str:
    """What urllib3's connection pool logs for one request (its own format and arguments)."""
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger=HTTP_LOGGER):
        logging.getLogger(HTTP_LOGGER).debug(
            '%s://%s:%s "%s %s %s" %s %s',
            "https",
            "chat.example",
            443,
            "GET",
            path,
            "HTTP/1.1",
            200,
            35,
        )
    [record] = caplog.records
    return record.getMessage()


def test_ids_in_mattermost_paths_are_hidden_and_the_rest_of_the_line_kept(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hide_ids_in_http_logs()
    hide_ids_in_http_logs()  # idempotent
    line = request_line(caplog, f"/api/v4/channels/{CHANNEL}/posts?since=1796140236289")
    assert CHANNEL not in line
    assert line == (
        'https://chat.example:443 "GET /api/v4/channels/<hidden>/posts?since=1796140236289 '
        'HTTP/1.1" 200 35'
    )
    assert USER not in request_line(caplog, f"/api/v4/users/{USER}")
    assert "/api/v4/users/me" in request_line(caplog, "/api/v4/users/me")
    assert len(logging.getLogger(HTTP_LOGGER).filters) == 1


async def test_the_rest_client_hides_them_from_its_start(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logger = logging.getLogger(HTTP_LOGGER)
    for found in list(logger.filters):
        logger.removeFilter(found)
    assert USER in request_line(caplog, f"/api/v4/users/{USER}")
    api = DriverApi("http://127.0.0.1:9", "token", ca_file=None)
    try:
        assert USER not in request_line(caplog, f"/api/v4/users/{USER}")
    finally:
        await api.close()
