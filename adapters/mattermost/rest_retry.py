"""How a REST call to Mattermost is retried, and how an HTTP answer becomes an error.

Mattermost rate-limits per session or IP (docs.mattermost.com, "Rate limiting configuration
settings") and answers 429 with ``Retry-After`` and ``X-Ratelimit-Reset``, both in seconds
from now (the server's limiter, throttled, fills them that way); a reset given as a Unix time,
as some proxies do, is read as one. We wait what the server asks, at most ``max_wait``; a
longer wait is left to the caller (the outbox tries again later), so no call hangs for
minutes. 5xx answers and network failures back off exponentially with full jitter (AWS
Architecture Blog, "Exponential Backoff And Jitter") so replicas do not retry in step.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import TypeVar

from adapters.mattermost.rest import MattermostApiError

T = TypeVar("T")

# Short, stable codes; the message never carries the token or the server's answer text.
STATUS_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    413: "too_large",
    429: "rate_limited",
    501: "feature_disabled",
}
# Mattermost's error ids ("api.post.create_post.can_not_post_in_restricted_dm.error") say
# what went wrong without repeating any user input; anything else in the body is ignored.
_ERROR_ID = re.compile(r"[a-z0-9_.]{1,120}")
_EPOCH_THRESHOLD = 1_000_000_000  # a "reset" this large is a Unix time, not seconds to wait


@dataclass(frozen=True, slots=True)
class RestRetry:
    attempts: int = 4  # tries in all, the first included
    base_delay: float = 0.25
    max_delay: float = 4.0  # the longest backoff between two tries
    max_wait: float = 10.0  # the longest rate-limit wait honoured inside one call
    timeout: float = 10.0  # per HTTP request (connect and read)
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, repr=False)

    def backoff(self, attempt: int) -> float:
        ceiling = min(self.max_delay, self.base_delay * 2**attempt)
        return random.uniform(0, ceiling)  # noqa: S311 - spreading load, not a secret


async def call_with_retry(operation: Callable[[], Awaitable[T]], policy: RestRetry) -> T:
    """Run ``operation``; retry 429 (as told), 5xx and network failures (with backoff)."""
    for attempt in range(policy.attempts):
        try:
            return await operation()
        except MattermostApiError as exc:
            last = attempt == policy.attempts - 1
            if not exc.retryable or exc.code == "tls" or last:
                raise
            if exc.retry_after is not None:
                if exc.retry_after > policy.max_wait:
                    raise
                await policy.sleep(exc.retry_after)
            else:
                await policy.sleep(policy.backoff(attempt))
    raise AssertionError("unreachable: the loop returns or raises")


def refusal(
    status: int,
    headers: Mapping[str, str],
    error_id: str | None,
    *,
    clock: Callable[[], float] = time.time,
) -> MattermostApiError:
    """The error for an HTTP answer of ``status`` (300 or more)."""
    if status < 400:
        # A redirect (http to https, a wrong path): POSTs would turn into GETs; fix the URL.
        return MattermostApiError(
            f"HTTP {status} redirected", status=status, retryable=False, code="redirected"
        )
    code = STATUS_CODES.get(status, "server_error" if status >= 500 else "client_error")
    retryable = status == 429 or (status >= 500 and status != 501)
    detail = f"HTTP {status} {code}"
    if error_id and _ERROR_ID.fullmatch(error_id):
        detail += f" ({error_id})"
    if status == 401:
        detail += ": the bot token was refused (revoked or mistyped); make a new one"
    retry_after = rate_limit_wait(headers, clock()) if status == 429 else None
    return MattermostApiError(
        detail, status=status, retryable=retryable, retry_after=retry_after, code=code
    )


def rate_limit_wait(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds to wait: ``Retry-After`` (seconds or HTTP date), else ``X-Ratelimit-Reset``."""
    for name in ("Retry-After", "X-Ratelimit-Reset"):
        value = headers.get(name)
        if value is not None:
            wait = _seconds(value.strip(), now)
            if wait is not None:
                return wait
    return None


def _seconds(value: str, now: float) -> float | None:
    try:
        number = float(value)
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - now)
        except (TypeError, ValueError, IndexError):
            return None
    if number != number or number < 0:  # NaN or negative: not a wait
        return None
    if number >= _EPOCH_THRESHOLD:
        return max(0.0, number - now)
    return number
