"""Websocket URLs and frame shapes."""

from __future__ import annotations

from adapters.mattermost.frames import Resume, parse, reply_refuses_auth, websocket_url


def test_urls_keep_a_subpath_and_switch_the_scheme() -> None:
    assert websocket_url("https://chat.example/mm/", None) == (
        "wss://chat.example/mm/api/v4/websocket"
    )
    assert websocket_url("http://127.0.0.1:8065", Resume("c" * 26, 7)) == (
        "ws://127.0.0.1:8065/api/v4/websocket?connection_id=" + "c" * 26 + "&sequence_number=7"
    )


def test_only_json_objects_are_frames() -> None:
    assert parse('{"event": "hello"}') == {"event": "hello"}
    assert parse("[1, 2]") is None
    assert parse("not json") is None


def test_auth_refusals_are_recognised() -> None:
    assert reply_refuses_auth({"status": "FAIL", "seq_reply": 1}, 1)
    unauthenticated = {"status": "FAIL", "seq_reply": 4, "error": {"status_code": 401}}
    assert reply_refuses_auth(unauthenticated, 1)
    assert not reply_refuses_auth({"status": "OK", "seq_reply": 1}, 1)
    assert not reply_refuses_auth({"status": "FAIL", "seq_reply": 4, "error": {}}, 1)
