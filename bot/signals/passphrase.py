"""How strong an adviser's passphrase must be, checked on enrolment, change and recovery.

An adviser's passphrase is the only thing between a stolen database and their signals
(offline, one Argon2id run per guess), so it is judged by zxcvbn, the estimator of Dropbox's
USENIX Security 2016 paper, which knows common passwords, names, words, keyboard patterns
and l33t substitutions; score 3 means about 10^8 guesses or more. The demo adviser's
passphrase is printed in the README, so it is refused outside development.
"""

from __future__ import annotations

from collections.abc import Iterable

from zxcvbn import zxcvbn

from bot.errors import InputError

# Written in the README on purpose: it lets a newcomer try the adviser's side in development.
DEMO_PASSPHRASE = "demo-passphrase"  # noqa: S105
MIN_PASSPHRASE_CHARS = 12
MIN_SCORE = 3
# zxcvbn's own advice: it estimates only the first 100 characters, and longer input is slow.
ESTIMATED_CHARS = 100


def check_strength(
    passphrase: str, *, allow_demo: bool = False, context: Iterable[str] = ()
) -> None:
    """Raise :class:`InputError` with a clear reason when the passphrase is too weak."""
    if passphrase == DEMO_PASSPHRASE:
        if allow_demo:
            return
        raise InputError(
            "the demo passphrase is public (it is in the README): choose your own",
            code="weak_passphrase",
        )
    if len(passphrase) < MIN_PASSPHRASE_CHARS:
        raise InputError(
            f"a passphrase has at least {MIN_PASSPHRASE_CHARS} characters", code="weak_passphrase"
        )
    result = zxcvbn(passphrase[:ESTIMATED_CHARS], user_inputs=[c for c in context if c])
    if int(result["score"]) < MIN_SCORE:
        feedback = result.get("feedback") or {}
        hint = str(feedback.get("warning") or "").rstrip(".")
        raise InputError(
            "this passphrase is too easy to guess"
            + (f" ({hint})" if hint else "")
            + ": use four or more unusual words, or a longer sentence of your own",
            code="weak_passphrase",
        )
