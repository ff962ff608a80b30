"""mattermostdriver's HTTP client, made quiet: no logged answers, no URLs in errors.

The driver's own ``Client.make_request`` logs the server's error text at ERROR level and
raises ``requests`` errors whose text carries the request URL (with user ids in its path).
This subclass, handed to ``Driver(client_cls=...)`` (the driver's hook for it), keeps one
``requests.Session`` (connections reused, pool as large as the worker pool), refuses
redirects (a POST would come back as a GET) and raises :class:`MattermostApiError` with a
short code. It runs in worker threads only (``driver_rest``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from mattermostdriver.client import Client
from requests.adapters import HTTPAdapter

from adapters.mattermost.rest import MattermostApiError
from adapters.mattermost.rest_retry import refusal
from bot.errors import ConfigError


class QuietClient(Client):  # type: ignore[misc]
    """The driver's client, minus logging of answers and plus a pooled session."""

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__(options)
        self._session = requests.Session()
        pool = HTTPAdapter(pool_maxsize=int(options["pool_size"]), max_retries=0)
        self._session.mount("https://", pool)
        self._session.mount("http://", pool)

    def make_request(
        self,
        method: str,
        endpoint: str,
        options: Any = None,
        params: Any = None,
        data: Any = None,
        files: Any = None,
        basepath: str | None = None,
    ) -> requests.Response:
        try:
            response = self._session.request(
                method.upper(),
                self.url + endpoint,
                headers=self.auth_header(),
                json=options,
                params=params,
                data=data,
                files=files,
                verify=self._verify,
                timeout=self.request_timeout,
                allow_redirects=False,
            )
        except requests.exceptions.SSLError:
            raise MattermostApiError("tls", status=None, retryable=True, code="tls") from None
        except requests.exceptions.Timeout:
            raise MattermostApiError(
                "timeout", status=None, retryable=True, code="timeout"
            ) from None
        except requests.exceptions.RequestException:
            raise MattermostApiError(
                "unreachable", status=None, retryable=True, code="unreachable"
            ) from None
        if response.status_code >= 300:
            raise refusal(response.status_code, response.headers, _error_id(response))
        return response

    def get(self, endpoint: str, options: Any = None, params: Any = None) -> Any:
        return _json(self.make_request("get", endpoint, options=options, params=params))

    def post(self, endpoint: str, options: Any = None, params: Any = None, **_: Any) -> Any:
        return _json(self.make_request("post", endpoint, options=options, params=params))

    def put(self, endpoint: str, options: Any = None, params: Any = None, **_: Any) -> Any:
        return _json(self.make_request("put", endpoint, options=options, params=params))

    def close(self) -> None:
        self._session.close()


def _error_id(response: requests.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    value = body.get("id") if isinstance(body, dict) else None
    return value if isinstance(value, str) else None


def _json(response: requests.Response) -> Any:
    if not response.content:
        return {}
    try:
        return response.json()
    except ValueError:
        raise MattermostApiError(
            "answer is not JSON", status=response.status_code, retryable=True, code="bad_answer"
        ) from None


def driver_options(url: str, token: str, *, ca_file: Path | None, timeout: float) -> dict[str, Any]:
    """mattermostdriver's options for a base URL like ``https://chat.example.org/mm``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError("MELDWIJZER_MATTERMOST_URL must be http(s)://host[:port][/path]")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return {
        "scheme": parts.scheme,
        "url": host,
        "port": parts.port or (443 if parts.scheme == "https" else 80),
        "basepath": parts.path.rstrip("/") + "/api/v4",
        "verify": str(ca_file) if ca_file else True,
        "request_timeout": timeout,
        "token": token,
    }
