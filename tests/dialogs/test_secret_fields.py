"""A passphrase or a receipt sent in a form is never read for crisis words.

The crisis check normalises what it reads, and normalising is memoised (a bounded cache of
recent texts): a passphrase or receipt read by it would stay in the process's memory for
as long as the cache keeps it. Neither can hold a crisis, so neither is read.
"""

from __future__ import annotations

import secrets

import pytest

from bot.core import Channel, Incoming, Kind
from bot.router import Router, Session
from dialogs.base import DialogState
from knowledge.normalise import normalise


@pytest.mark.parametrize(
    ("dialog", "step", "form", "field"),
    [
        ("adviser", "unlock", "adviser:unlock", "passphrase"),
        ("follow-up", "read", "follow-up:read", "code"),
    ],
)
def test_a_secret_field_is_not_read_for_crisis_words(
    router: Router, dialog: str, step: str, form: str, field: str
) -> None:
    value = "ik wil dood " + secrets.token_hex(8)  # would be a crisis, were it read
    event = Incoming(Channel.TEAMS, "c-1", kind=Kind.FORM, form=form, data={field: value})
    session = Session(lang="nl", lang_chosen=True, state=DialogState(dialog, step))
    before = normalise.cache_info().misses
    outcome = router.route(event, session, "Adviser")
    assert normalise.cache_info().misses == before
    assert not any("113" in reply.text for reply in outcome.replies)
