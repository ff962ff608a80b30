"""Button and dialog tokens: only ours, unexpired, for this kind, user and channel."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.mattermost.signing import MAX_TOKEN_CHARS, CallbackSigner, Grant
from bot.errors import CallbackRefused

SECRET = b"s" * 32
NOW = 1_800_000_000.0


class Clock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def signer(clock: Clock | None = None, secret: bytes = SECRET) -> CallbackSigner:
    return CallbackSigner(secret, ttl_seconds=3600, clock=clock or Clock())


def a_token(s: CallbackSigner, kind: str = "action", **extra: object) -> str:
    grant = s.grant(kind, "menu:show", conversation="chan1", user="user1", nonce="n1", **extra)
    return s.sign(grant)


def refusal(s: CallbackSigner, token: object, **checks: object) -> str:
    arguments = {"kind": "action", "conversation": "chan1", "user": "user1", **checks}
    with pytest.raises(CallbackRefused) as refused:
        s.verify(token, **arguments)  # type: ignore[arg-type]
    return refused.value.reason


def test_a_token_we_signed_comes_back_as_its_grant() -> None:
    s = signer()
    form = {"i": "signal:intake", "t": "Signaal", "s": "Versturen", "f": []}
    token = a_token(s, "form", form=form)
    grant = s.verify(token, kind=("action", "form"), conversation="chan1", user="user1")
    assert grant == Grant("form", "menu:show", "chan1", "user1", "n1", int(NOW) + 3600, form)


def test_a_token_from_another_secret_is_forged() -> None:
    assert refusal(signer(), a_token(signer(secret=b"t" * 32))) == "forged"


def test_a_changed_grant_is_forged() -> None:
    s = signer()
    payload, tag = a_token(s).split(".")
    fields = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    fields["v"] = "adviser:open:" + "0" * 32
    changed = base64.urlsafe_b64encode(json.dumps(fields).encode()).rstrip(b"=").decode()
    assert refusal(s, f"{changed}.{tag}") == "forged"


def test_every_changed_character_is_refused() -> None:
    s = signer()
    token = a_token(s)
    for index, char in enumerate(token):
        if char == ".":
            continue
        other = "A" if char != "A" else "B"
        assert refusal(s, token[:index] + other + token[index + 1 :]) in ("forged", "malformed")


def test_an_expired_token_is_refused_from_the_second_it_ends() -> None:
    clock = Clock()
    s = signer(clock)
    token = a_token(s)
    clock.now = NOW + 3599
    assert s.verify(token, kind="action", conversation="chan1", user="user1").value
    clock.now = NOW + 3600
    assert refusal(s, token) == "expired"


def test_another_user_channel_or_kind_is_refused() -> None:
    s = signer()
    token = a_token(s)
    assert refusal(s, token, user="user2") == "wrong_user"
    assert refusal(s, token, conversation="chan2") == "wrong_channel"
    assert refusal(s, token, kind="form") == "wrong_kind"
    assert refusal(s, a_token(s, "hide"), kind=("action", "form")) == "wrong_kind"


@pytest.mark.parametrize(
    "token",
    [
        None,
        42,
        b"abc.def",
        "",
        ".",
        "abc",
        "abc.",
        "a.b.c",
        "abc." + "A" * 42,
        "abc." + "A" * 44,
        "ab c." + "A" * 43,
        "abc=." + "A" * 43,
        "x" * (MAX_TOKEN_CHARS + 1),
    ],
)
def test_malformed_tokens_are_refused_unread(token: object) -> None:
    assert refusal(signer(), token) == "malformed"


def test_an_oversized_token_is_refused_even_with_a_good_tag() -> None:
    s = signer()
    payload, tag = a_token(s).split(".")
    assert refusal(s, "A" * MAX_TOKEN_CHARS + payload + "." + tag) == "malformed"


def test_a_tag_spelled_differently_is_not_the_same_token() -> None:
    # The last base64url character of 32 bytes carries 2 unused bits; only one spelling counts.
    s = signer()
    token = a_token(s)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(token[-1])
    sibling = alphabet[last ^ 1]
    assert refusal(s, token[:-1] + sibling) == "malformed"


def test_a_signed_payload_that_is_no_grant_is_malformed() -> None:
    # Only a token we signed is ever parsed; one of an older shape is refused, not crashed on.
    import hashlib
    import hmac

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    key = HKDF(hashes.SHA256(), 32, None, b"meldwijzer mattermost callbacks").derive(SECRET)

    def signed(raw: bytes) -> str:
        payload = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
        tag = hmac.new(key, payload.encode(), hashlib.sha256).digest()
        return f"{payload}.{base64.urlsafe_b64encode(tag).rstrip(b'=').decode()}"

    for raw in (
        b"not json",
        b"[]",
        b'{"k":"action"}',
        b'{"k":1,"v":"","c":"","u":"","n":"","e":1}',
    ):
        assert refusal(signer(), signed(raw)) == "malformed"


def test_an_unknown_kind_is_never_signed() -> None:
    s = signer()
    with pytest.raises(ValueError):
        s.sign(Grant("delete", "", "c", "u", "n", 0))


@given(st.one_of(st.text(max_size=300), st.binary(max_size=300), st.integers(), st.none()))
def test_arbitrary_input_is_only_ever_refused(token: object) -> None:
    with pytest.raises(CallbackRefused):
        signer().verify(token, kind="action", conversation="chan1", user="user1")


@given(st.integers(min_value=0), st.text(alphabet="ABCxyz019-_.=", min_size=1, max_size=5))
def test_a_damaged_real_token_is_only_ever_refused(position: int, junk: str) -> None:
    s = signer()
    token = a_token(s)
    at = position % (len(token) + 1)
    damaged = token[:at] + junk + token[at:]
    with pytest.raises(CallbackRefused):
        s.verify(damaged, kind="action", conversation="chan1", user="user1")


def payload_of(token: str) -> str:
    head = token.split(".")[0]
    return base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)).decode("utf-8")


def test_a_forms_prefilled_values_are_sealed_in_the_token_and_open_again() -> None:
    s = signer()
    spec = {"i": "f", "t": "T", "s": "S", "f": [], "v": {"what": "Het gebeurde bij de koffie"}}
    token = a_token(s, kind="form", form=spec)
    assert "koffie" not in payload_of(token)
    grant = s.verify(token, kind="form", conversation="chan1", user="user1")
    assert grant.form is not None and grant.form["v"] == {"what": "Het gebeurde bij de koffie"}


def test_a_seal_is_fresh_each_time_so_equal_texts_do_not_look_equal() -> None:
    s = signer()
    spec = {"i": "f", "t": "T", "s": "S", "f": [], "v": {"what": "ja"}}
    first, second = (json.loads(payload_of(a_token(s, "form", form=spec))) for _ in range(2))
    assert first["f"]["v"] != second["f"]["v"]


def test_a_seal_that_does_not_open_is_refused_as_malformed() -> None:
    s = signer()
    # Signed by us, but the values are not a sealed object: the seal opens to a string.
    token = a_token(s, kind="form", form={"i": "f", "t": "T", "s": "S", "f": [], "v": "plain"})
    assert refusal(s, token, kind="form") == "malformed"
