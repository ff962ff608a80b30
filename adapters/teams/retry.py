"""Bounded retries for calls to the Bot Connector service.

Teams asks bots to retry 412, 429, 502 and 504 with exponential backoff and to honour
``Retry-After`` ("Optimize your bot: rate limiting and best practices", learn.microsoft.com/
microsoftteams/platform/bots/how-to/rate-limit, and "Status codes from bot conversational
APIs"). We add full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter") so many
replicas do not retry in step. Everything else is reported at once as
:class:`ConnectorRejected`; callers translate it into ``bot.errors.DeliveryError``.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from msrest.exceptions import ClientRequestError, HttpOperationError

RETRYABLE_STATUSES = frozenset({412, 429, 502, 504})

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        ceiling = min(self.max_delay, self.base_delay * 2**attempt)
        jittered = random.uniform(0, ceiling)  # noqa: S311 - spreading load, not a secret
        if retry_after is not None:
            return min(self.max_delay, max(retry_after, jittered))
        return jittered


class ConnectorRejected(Exception):
    """The connector refused a call; ``status`` is None for network failures."""

    def __init__(self, status: int | None, code: str, retry_after: float | None = None) -> None:
        super().__init__(f"connector call failed: HTTP {status} {code}".strip())
        self.status = status
        self.code = code
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.status is None or self.status in RETRYABLE_STATUSES or self.status >= 500


async def call_with_retry(operation: Callable[[], Awaitable[T]], policy: RetryPolicy) -> T:
    """Run ``operation``; retry the statuses Teams asks for, at most ``policy.attempts`` times."""
    for attempt in range(policy.attempts):
        try:
            return await operation()
        except ConnectorRejected as exc:
            rejected = exc
        except (HttpOperationError, ClientRequestError) as exc:
            rejected = rejection_of(exc)
        if not _worth_retrying(rejected) or attempt == policy.attempts - 1:
            raise rejected
        await asyncio.sleep(policy.delay(attempt, rejected.retry_after))
    raise AssertionError("unreachable: the loop returns or raises")


def _worth_retrying(rejected: ConnectorRejected) -> bool:
    return rejected.status is None or rejected.status in RETRYABLE_STATUSES


def rejection_of(exc: Exception) -> ConnectorRejected:
    if not isinstance(exc, HttpOperationError):
        return ConnectorRejected(None, type(exc).__name__)
    response: Any = exc.response
    status = int(getattr(response, "status_code", 0) or 0) or None
    code = _error_code(exc)
    return ConnectorRejected(status, code, _retry_after(response))


def _error_code(exc: HttpOperationError) -> str:
    error: Any = exc.error
    try:
        return str(error.error.code or "")
    except AttributeError:
        return ""


def _retry_after(response: Any) -> float | None:
    headers = getattr(response, "headers", None) or {}
    value = headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
