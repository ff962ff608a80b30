"""Reading a 429's wait and turning an HTTP answer into an error (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.mattermost.rest_retry import rate_limit_wait, refusal

NOW = datetime(2027, 6, 15, 8, 0, 0, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("headers", "wait"),
    [
        ({"Retry-After": "2"}, 2.0),
        ({"X-Ratelimit-Reset": "5"}, 5.0),
        ({"Retry-After": "1", "X-Ratelimit-Reset": "9"}, 1.0),  # the precise one wins
        ({"X-Ratelimit-Reset": str(int(NOW) + 7)}, 7.0),  # a proxy's Unix time
        ({"X-Ratelimit-Reset": str(int(NOW) - 7)}, 0.0),  # already past
        ({"Retry-After": "Tue, 15 Jun 2027 08:00:04 GMT"}, 4.0),  # RFC 9110 HTTP date
        ({"Retry-After": "Tue, 15 Jun 2027 07:59:00 GMT"}, 0.0),
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": "-3"}, None),
        ({"Retry-After": "nan"}, None),
        ({"Retry-After": "soon", "X-Ratelimit-Reset": "4"}, 4.0),
        ({}, None),
    ],
)
def test_rate_limit_wait(headers: dict[str, str], wait: float | None) -> None:
    assert rate_limit_wait(headers, NOW) == wait


@pytest.mark.parametrize(
    ("status", "code", "retryable"),
    [
        (400, "bad_request", False),
        (401, "unauthorized", False),
        (403, "forbidden", False),
        (404, "not_found", False),
        (413, "too_large", False),
        (418, "client_error", False),
        (429, "rate_limited", True),
        (500, "server_error", True),
        (501, "feature_disabled", False),
        (502, "server_error", True),
        (503, "server_error", True),
        (302, "redirected", False),
    ],
)
def test_refusal_maps_status_to_code_and_retry(status: int, code: str, retryable: bool) -> None:
    error = refusal(status, {}, None)
    assert (error.status, error.code, error.retryable) == (status, code, retryable)


def test_refusal_keeps_a_server_error_id_but_nothing_free_form() -> None:
    kept = refusal(403, {}, "api.post.create_post.can_not_post_in_restricted_dm.error")
    assert "api.post.create_post.can_not_post_in_restricted_dm.error" in str(kept)
    dropped = refusal(403, {}, "Gebruiker Anna de Vries mag dit niet")
    assert "Anna" not in str(dropped)
