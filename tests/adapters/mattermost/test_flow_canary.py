"""The anonymity canary through Mattermost: nothing of the reporter is kept or logged.

A reporter whose username and every text are unique to this run (the fake makes user,
channel and post ids fresh) leaves an anonymous signal in a DM, hides the receipt, reads and
adds to it; an adviser answers. Afterwards not one of the reporter's Mattermost user id,
username, DM channel id, post ids (theirs and the bot's posts to them), message texts or
receipt is in any table, in any file under the data folder (database, WAL) or in any log
line, at DEBUG, of every logger.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

import pytest

from tests.leaks import assert_absent, assert_nowhere, capture_every_log, files_under

from .chat_person import PASSPHRASE, Flow, Person, fake, flow, leave_signal, t, texts

__all__ = ["fake", "flow"]  # the fixtures, imported for pytest


@dataclass
class Canary:
    tag: str = field(default_factory=lambda: secrets.token_hex(5))
    receipt: str = ""

    @property
    def username(self) -> str:
        return f"canary-user-{self.tag}"

    @property
    def typed(self) -> str:
        return f"Canary-Typed-{self.tag} ik wil iets melden over mijn leidinggevende"

    @property
    def what(self) -> str:
        return f"Canary-What-{self.tag}: grappen over mijn accent bij de koffieautomaat"

    @property
    def hope(self) -> str:
        return f"Canary-Hope-{self.tag} een gesprek met mijn manager"

    @property
    def addition(self) -> str:
        return f"Canary-Addition-{self.tag}: het gebeurde weer"

    def ids(self, reporter: Person) -> list[str]:
        """The reporter's user id, username, DM channel id and every post id in that DM."""
        posts = reporter.fake.posts_in(reporter.dm)
        return [reporter.user.id, self.username, reporter.dm, *(post["id"] for post in posts)]

    def secrets(self, reporter: Person) -> list[str]:
        """Every id, name and text of the reporter, as Mattermost and the person know them."""
        ids = self.ids(reporter)
        texts = [self.typed, self.what, self.hope, self.addition]
        markers = [f"Canary-{kind}-{self.tag}" for kind in ("Typed", "What", "Hope", "Addition")]
        receipt = [self.receipt, self.receipt.replace("-", "")] if self.receipt else []
        return [*ids, *texts, *markers, *receipt]


@pytest.fixture
def every_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    return capture_every_log(caplog)


async def test_no_mattermost_identity_or_text_of_a_reporter_is_stored_or_logged(
    flow: Flow, every_log: pytest.LogCaptureFixture
) -> None:
    canary = Canary()
    adviser, _ = await flow.adviser(f"adviser-{canary.tag}")
    reporter = flow.person(canary.username)

    await reporter.start()
    await reporter.say(canary.typed)
    receipt = await leave_signal(reporter, canary.what, hope=canary.hope, kinds="racism,other")
    canary.receipt = receipt.code
    status, _ = await flow.fake.click(reporter.user, receipt.post, 0)  # hide the receipt
    assert status == 200 and canary.receipt not in flow.fake.posts[receipt.post["id"]]["message"]
    await reporter.say("menu")
    read = await reporter.open_form("topic:follow-up")
    await reporter.submit(read, {"code": receipt.code})
    add = await reporter.open_form("follow-up:add")
    answers = {"text": canary.addition}
    answers |= (
        {"code": receipt.code} if "code" in {e["name"] for e in add["dialog"]["elements"]} else {}
    )
    added = await reporter.submit(add, answers)
    assert t("nl", "follow_up.added") in texts(added)

    assert await flow.notice_round() >= 1
    [notice] = adviser.bot_posts()
    await adviser.start()
    unlock = await adviser.open_form("adviser:inbox")
    await adviser.submit(unlock, {"passphrase": PASSPHRASE})
    [signal_id] = [row[0] for row in await flow.rows("SELECT id FROM signals")]
    _, opened = await adviser.press(f"adviser:open:{signal_id}")
    assert canary.what in texts(opened) and canary.addition in texts(opened)
    reply = await adviser.open_form(f"adviser:reply:{signal_id}")
    await adviser.submit(reply, {"text": "Dank je, laten we praten."})
    await reporter.say("menu")
    read = await reporter.open_form("topic:follow-up")
    thread = await reporter.submit(read, {"code": receipt.code})
    assert "Dank je, laten we praten." in texts(thread)

    # The registry knows the adviser's own Mattermost id; that is what it is for.
    assert (adviser.user.id,) in await flow.rows("SELECT mattermost_id FROM advisers")

    hidden = canary.secrets(reporter)
    assert "meldwijzer.db-wal" in {p.name for p, _ in files_under(flow.data_dir)}, "read the WAL"
    assert_nowhere(hidden, flow.data_dir, every_log)
    await flow.client.close()  # the app's cleanup closes the engine: WAL checkpointed
    assert_nowhere(hidden, flow.data_dir, every_log)
    assert every_log.records, "logs were captured"

    # The adviser reads the signal's words, by design; no id of the reporter reached their
    # DM, nor anything of the signal the notice.
    assert_absent(hidden, "the notice", repr(notice).encode())
    for post in adviser.bot_posts():
        assert_absent(canary.ids(reporter), "a post to the adviser", repr(post).encode())
