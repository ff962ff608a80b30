"""A property-based fuzz of every HTTP surface of the served app.

Random methods, paths, headers, bodies, content types and encodings against the page, its
files, the web chat API, health, the Teams endpoint (app id set, so authentication is on,
with missing, random and forged tokens) and paths nobody routes, plus bytes that are not
HTTP at all. For every request: an answer below 500; in the log no traceback, no address
and none of the canary text the request carried. Bounded (a fixed number of examples per
surface, no deadline) and derandomized, so CI sees the same requests every run.
"""

from __future__ import annotations

import base64
import json
import logging
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from adapters.teams import TeamsEndpoints
from bot.app import create_app
from bot.server import ServerLimits
from bot.settings import Settings
from tests.adapters.teams.fakes import OpenIdServer, SigningKey
from tests.conftest import TEST_KDF
from tests.http.threaded import RawAnswer, RecordingHandler, ThreadedServer, send_raw

pytestmark = [
    # Deprecation warnings raised inside the archived SDK and msrest, not by our code.
    pytest.mark.filterwarnings("ignore::DeprecationWarning:botbuilder.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:botframework.*"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:msrest.*"),
]

CANARY = "Canary-Fuzz-7e21"
APP_ID = "c9e8c047-2a74-40a2-b28a-b162d5f5327c"
FUZZ = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
WATCHED_LOGGERS = ("aiohttp", "meldwijzer", "adapters", "bot", "botbuilder", "asyncio")

# ---- the served app ------------------------------------------------------------------


@pytest.fixture(scope="module")
def log() -> Iterator[RecordingHandler]:
    handler = RecordingHandler()
    root = logging.getLogger()
    root.addHandler(handler)
    levels = {name: logging.getLogger(name).level for name in WATCHED_LOGGERS}
    for name in WATCHED_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory, log: RecordingHandler) -> Iterator[int]:
    data_dir: Path = tmp_path_factory.mktemp("fuzz") / "data"
    settings = Settings(
        data_dir=data_dir,
        teams_app_id=APP_ID,
        teams_app_password="s3cret",  # type: ignore[arg-type]
        new_conversations_burst=100_000,  # the bucket has its own tests; here it stays out
        **TEST_KDF,  # type: ignore[arg-type]
    )
    with OpenIdServer([SigningKey("fuzz-key")]) as openid:
        endpoints = TeamsEndpoints(
            login_host=openid.base,
            channel_openid_metadata_url=openid.metadata_url,
            emulator_openid_metadata_url=openid.metadata_url,
            oauth_api_url=openid.base,
            default_service_url=openid.base + "/",
        )
        limits = ServerLimits(header_timeout=10.0, keepalive=10.0, max_connections=64)
        app = lambda: create_app(settings, teams_endpoints=endpoints)  # noqa: E731
        with ThreadedServer(app, limits) as server:
            yield server.port


def check(answer: RawAnswer, log: RecordingHandler) -> None:
    assert answer.status is not None, answer.raw[:200]
    assert 100 <= answer.status < 500, answer.raw[:300]
    check_log(log)


def check_log(log: RecordingHandler) -> None:
    for record in list(log.records):
        if record.name.startswith(("aiosqlite", "sqlalchemy")):
            continue
        line = record.getMessage() + (record.exc_text or "")
        where = f"{record.name}: {line[:300]}"
        assert not (record.exc_info or record.exc_text or record.stack_info), where
        assert "Traceback" not in line, where
        assert "127.0.0.1" not in line, where
        assert CANARY not in line and CANARY.lower() not in line.lower(), where


# ---- building requests ---------------------------------------------------------------

TOKEN_CHARS = "!#$%&'*+-.^_`|~" + string.ascii_letters + string.digits
PATH_CHARS = string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@/%?#[]"
RESERVED = {"host", "content-length", "transfer-encoding", "connection"}

# aiohttp's parser (llhttp) refuses methods it does not know, so invented ones are rarer.
known_methods = st.sampled_from(
    ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND"]
)


def mostly(common: st.SearchStrategy[Any], rare: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``common`` three times in four (``one_of`` would weigh each branch alike)."""
    return st.integers(0, 3).flatmap(lambda n: rare if n == 0 else common)


methods = mostly(known_methods, st.text(TOKEN_CHARS, min_size=1, max_size=12))
header_names = st.text(TOKEN_CHARS, min_size=1, max_size=20).filter(
    lambda name: name.lower() not in RESERVED
)
# Mostly printable ASCII, which aiohttp takes, and now and then any character at all.
printable_values = st.text(
    string.ascii_letters + string.digits + string.punctuation + " ", max_size=60
)
odd_values = st.text(st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=60)
header_values = mostly(printable_values, odd_values).map(lambda value: value.strip() + " " + CANARY)
headers = st.dictionaries(header_names, header_values, max_size=4)
content_types = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/json; charset=latin-1",
        "application/json; charset=garbage",
        "text/plain",
        "multipart/form-data; boundary=x",
        "application/x-www-form-urlencoded",
        "",
        ";;;=",
    ]
) | st.text(st.characters(codec="ascii", exclude_characters="\r\n"), max_size=30)
encodings = st.sampled_from([None, "gzip", "br", "deflate", "identity", "garbage", "gzip, br"])
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40).map(lambda text: text + CANARY),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=16,
)
fixed_bodies = st.sampled_from(
    [b"[" * 100_000, b"{", b"[]", b"{}", b"", b"null", b"\xff\xfe", b'{"a":' * 5000]
)
bodies = st.one_of(
    json_values.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=300),
    fixed_bodies,
)


def request_bytes(
    method: str,
    target: str,
    head: dict[str, str],
    body: bytes = b"",
    content_type: str | None = None,
    encoding: str | None = None,
) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1"]
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    if encoding is not None:
        lines.append(f"Content-Encoding: {encoding}")
    lines += [f"{name}: {value}" for name, value in head.items()]
    lines += [f"Content-Length: {len(body)}", "Connection: close"]
    return "\r\n".join(lines).encode("utf-8", "surrogatepass") + b"\r\n\r\n" + body


def path_of(text: str) -> str:
    return "/" + text.lstrip("/")


# ---- the surfaces --------------------------------------------------------------------


@FUZZ
@given(
    method=methods,
    name=st.text(PATH_CHARS, max_size=40) | st.sampled_from(["chat.js", "../pyproject.toml"]),
    head=headers,
)
def test_the_page_and_its_files(
    port: int, log: RecordingHandler, method: str, name: str, head: dict[str, str]
) -> None:
    for target in ("/", path_of("static/" + name), f"/?q={CANARY}"):
        check(send_raw(port, request_bytes(method, target, head)), log)


@FUZZ
@given(method=methods, head=headers)
def test_health(port: int, log: RecordingHandler, method: str, head: dict[str, str]) -> None:
    check(send_raw(port, request_bytes(method, "/healthz", head)), log)


@FUZZ
@given(
    method=st.just("POST") | methods,
    body=bodies | json_values.map(lambda v: json.dumps({"locale": v}).encode()),
    content_type=st.just("application/json") | content_types,
    encoding=encodings,
    head=headers,
)
def test_starting_a_conversation(
    port: int,
    log: RecordingHandler,
    method: str,
    body: bytes,
    content_type: str,
    encoding: str | None,
    head: dict[str, str],
) -> None:
    raw = request_bytes(method, "/api/webchat/conversations", head, body, content_type, encoding)
    check(send_raw(port, raw), log)


message_bodies = st.one_of(
    st.builds(lambda text: {"text": text + CANARY}, st.text(max_size=200)),
    st.builds(
        lambda action: {"action": action},
        st.sampled_from(
            ["topic:signal", "signal:mode:anonymous", "lang:en", "menu:show", "topic:follow-up"]
        )
        | st.text(max_size=30),
    ),
    st.builds(
        lambda form, data: {"form": form, "data": data},
        st.sampled_from(["signal:intake", "follow-up:add", "follow-up:read"])
        | st.text(max_size=20),
        st.dictionaries(
            st.sampled_from(["what", "role", "kinds", "hope", "code", "text"]) | st.text(),
            st.text(max_size=80).map(lambda text: text + CANARY)
            | st.lists(st.text(max_size=10), max_size=3),
            max_size=6,
        ),
    ),
    json_values.filter(lambda value: isinstance(value, dict)),
).map(lambda value: json.dumps(value).encode())
tokens = st.from_regex(r"[A-Za-z0-9_-]{40}", fullmatch=True) | st.text(PATH_CHARS, max_size=40)


@FUZZ
@given(
    method=st.just("POST") | methods,
    token=tokens,
    body=message_bodies | bodies,
    content_type=st.just("application/json") | content_types,
    encoding=st.none() | encodings,
    head=headers,
)
def test_malformed_conversation_turns(
    port: int,
    log: RecordingHandler,
    method: str,
    token: str,
    body: bytes,
    content_type: str,
    encoding: str | None,
    head: dict[str, str],
) -> None:
    target = path_of(f"api/webchat/conversations/{token}/messages")
    raw = request_bytes(method, target, head, body, content_type, encoding)
    check(send_raw(port, raw), log)


SIGNAL_PATH = [
    json.dumps({"action": "topic:signal"}).encode(),
    json.dumps({"action": "signal:mode:anonymous"}).encode(),
]


@settings(FUZZ, max_examples=60)
@given(
    locale=st.sampled_from(["nl", "en", "en-GB", None]),
    towards_a_signal=st.booleans(),
    script=st.lists(message_bodies, min_size=1, max_size=3),
)
def test_conversations_with_the_real_core(
    port: int,
    log: RecordingHandler,
    locale: str | None,
    towards_a_signal: bool,
    script: list[bytes],
) -> None:
    """Well-formed turns, in order, in one conversation; some go the way of a signal."""
    start = json.dumps({"locale": locale}).encode()
    answer = send_raw(port, json_request("/api/webchat/conversations", start))
    check(answer, log)
    token = json.loads(answer.raw.partition(b"\r\n\r\n")[2])["conversation"]
    for body in (SIGNAL_PATH if towards_a_signal else []) + script:
        check(
            send_raw(port, json_request(f"/api/webchat/conversations/{token}/messages", body)), log
        )


def json_request(target: str, body: bytes) -> bytes:
    return request_bytes("POST", target, {}, body, "application/json")


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


forged_tokens = st.builds(
    lambda header, claims, signature: (
        "Bearer "
        + ".".join(
            [b64(json.dumps(header).encode()), b64(json.dumps(claims).encode()), b64(signature)]
        )
    ),
    st.fixed_dictionaries(
        {"alg": st.sampled_from(["RS256", "none", "HS256"]), "kid": st.text(max_size=12)}
    ),
    st.fixed_dictionaries(
        {
            "iss": st.just("https://api.botframework.com") | st.text(max_size=20),
            "aud": st.just(APP_ID) | st.text(max_size=20),
            "exp": st.integers(),
            "serviceurl": st.just("http://127.0.0.1:9/") | st.text(max_size=20),
        }
    ),
    st.binary(max_size=256),
)
authorizations = st.one_of(
    st.none(),
    forged_tokens,
    st.text(st.characters(codec="ascii", exclude_characters="\r\n"), max_size=80),
    st.text(string.ascii_letters + string.digits + "-_.", max_size=200).map("Bearer ".__add__),
)
activities = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["message", "invoke", "conversationUpdate"]) | st.text(),
        "text": st.text(max_size=50).map(lambda text: text + CANARY),
        "serviceUrl": st.sampled_from(["http://127.0.0.1:9/", "https://example.invalid/"]),
        "channelId": st.just("msteams"),
        "from": st.fixed_dictionaries({"id": st.text(max_size=20)}),
        "conversation": st.fixed_dictionaries({"id": st.text(max_size=20)}),
    }
).map(lambda value: json.dumps(value).encode())
FORGED = "Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6ImZ1enoifQ.eyJhdWQiOiJ4In0.c2ln"


@FUZZ
@given(
    method=st.just("POST") | methods,
    authorization=authorizations,
    body=activities | bodies,
    content_type=st.just("application/json") | content_types,
    encoding=encodings,
    head=headers,
)
@example("POST", FORGED, b"[" * 100_000, "application/json", None, {})
@example("POST", FORGED, b'{"type": "message"}', "application/json", "gzip", {})
@example("POST", FORGED, b"{", "application/json", None, {})
@example("POST", FORGED, b"[]", "application/json", None, {})
@example("POST", FORGED, b"{}", "application/json", None, {})
def test_the_teams_endpoint_with_authentication_on(
    port: int,
    log: RecordingHandler,
    method: str,
    authorization: str | None,
    body: bytes,
    content_type: str,
    encoding: str | None,
    head: dict[str, str],
) -> None:
    head = {name: value for name, value in head.items() if name.lower() != "authorization"}
    if authorization is not None:
        head["Authorization"] = authorization
    raw = request_bytes(method, "/api/messages", head, body, content_type, encoding)
    check(send_raw(port, raw), log)


@FUZZ
@given(
    method=methods,
    path=st.text(PATH_CHARS, max_size=80)
    | st.sampled_from(["api/mattermost/actions", "api/webchat", "static", "%2e%2e/%2e%2e/etc"]),
    head=headers,
    body=st.binary(max_size=100),
)
def test_random_methods_and_paths(
    port: int, log: RecordingHandler, method: str, path: str, head: dict[str, str], body: bytes
) -> None:
    check(send_raw(port, request_bytes(method, path_of(path), head, body)), log)


@FUZZ
@given(
    raw=st.binary(max_size=400).map(lambda data: data + CANARY.encode() + b"\r\n\r\n")
    | st.builds(
        lambda line, head: line.encode("utf-8", "surrogatepass") + b"\r\n" + head + b"\r\n\r\n",
        st.text(max_size=60).map(lambda text: text + CANARY),
        st.binary(max_size=200),
    )
)
def test_bytes_that_are_hardly_http(port: int, log: RecordingHandler, raw: bytes) -> None:
    check(send_raw(port, raw), log)


def test_the_log_stayed_clean_to_the_end(port: int, log: RecordingHandler) -> None:
    """Lines written just after an answer went out are checked here, once all have run."""
    send_raw(port, request_bytes("GET", "/healthz", {}))
    check_log(log)
    assert any(r.name == "aiohttp.access" for r in log.records)  # the log was recording
