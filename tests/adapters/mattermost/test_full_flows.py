"""Whole conversations in a Mattermost DM with the real app, over ws:// and wss://.

Messages arrive over the bot's own websocket from the fake server; buttons and dialogs come
back as the server's integration requests; every answer is a REST post on the fake. Nothing
below the wire is replaced: ``create_app`` with its core, SQLite file, seal and outbox.
"""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from adapters.mattermost.callbacks import HIDDEN
from adapters.mattermost.forms import TITLE_MAX_BYTES, cut_bytes
from bot.app import NOTICE_CHANNELS
from bot.delivery import NoticeTasks
from bot.outbox.models import SENT, DeliveryRow
from bot.outbox.store import utc
from bot.stats.categories import OUTCOMES
from dialogs.outcomes import close_as_action
from tests.leaks import files_under

from .chat_person import (
    PASSPHRASE,
    RECEIPT_SHAPE,
    Flow,
    elements,
    fake,
    fill,
    flow,
    kinds,
    leave_signal,
    t,
    texts,
    values,
)
from .fake_model import actions_of
from .running_app import app_of

__all__ = ["fake", "flow"]  # the fixtures, imported for pytest


async def test_options_and_bystander_in_dutch_and_english(flow: Flow) -> None:
    nl = flow.person("noor")
    welcome = await nl.start()
    assert t("nl", "menu.welcome") in texts(welcome)
    assert {"topic:options", "topic:bystander", "topic:signal"} <= set(values(welcome))
    assert "adviser:inbox" not in values(welcome)

    options = await nl.say("Wat zijn mijn mogelijkheden?")
    assert t("nl", "options.overview_prompt") in texts(options)
    _, route = await nl.press("options:route:confidential-adviser")
    assert "**De vertrouwenspersoon**" in texts(route)
    # The welcome's buttons went when a newer answer came: the menu is offered again.
    assert not actions_of(flow.fake.posts[welcome[-1]["id"]])
    await nl.press("menu:show")

    _, seen = await nl.press("topic:bystander")
    assert t("nl", "bystander.seen_prompt") in texts(seen)
    _, danger = await nl.press("bystander:seen:bullying")
    assert t("nl", "bystander.danger_prompt") in texts(danger)
    assert values(danger) == ["bystander:danger:yes", "bystander:danger:no"]
    _, ways = await nl.press("bystander:danger:no")
    assert t("nl", "bystander.ds_prompt") in texts(ways)
    assert "bystander:d:direct" in values(ways)
    # A pressed post keeps its text and loses its buttons: it cannot be pressed again.
    pressed = flow.fake.posts[danger[-1]["id"]]
    assert actions_of(pressed) == [] and t("nl", "bystander.danger_prompt") in pressed["message"]

    en = flow.person("emma", locale="en")
    seen = await en.say("I saw a colleague being insulted, what can I do?")
    assert t("en", "bystander.seen_prompt") in texts(seen)
    _, danger = await en.press("bystander:seen:discrimination")
    assert t("en", "bystander.danger_prompt") in texts(danger)
    _, ways = await en.press("bystander:danger:no")
    assert t("en", "bystander.ds_prompt") in texts(ways)
    options = await en.say("What are my options?")
    assert t("en", "options.overview_prompt") in texts(options)
    assert t("nl", "options.overview_prompt") not in texts(options)

    # Every answer went to the DM it answered, never anywhere else.
    posted_in = {p["channel_id"] for p in flow.fake.posts.values()}
    assert posted_in == {nl.dm, en.dm}
    assert flow.fake.ephemerals == []


async def test_anonymous_signal_through_the_dialog_and_hiding_the_receipt(flow: Flow) -> None:
    await flow.adviser("desk")  # without one, no signal can be left
    reporter = flow.person("fenna", locale="en")
    await reporter.start()
    _, intro = await reporter.press("topic:signal")
    assert t("en", "privacy.here_platform", platform="Mattermost") in texts(intro)
    assert {"signal:mode:anonymous", "signal:mode:named"} <= set(values(intro))

    dialogs = len(flow.fake.opened_dialogs)
    answer, offered = await reporter.press("signal:mode:anonymous")
    assert "update" in answer
    assert len(flow.fake.opened_dialogs) == dialogs + 1, "the intake opened with the press"
    opened = flow.fake.opened_dialogs[-1]
    assert opened["trigger_id"] in flow.fake.triggers
    assert flow.fake.triggers[opened["trigger_id"]].user_id == reporter.user.id
    # Its button stays, should the person close the dialog and want it again.
    assert [post for post in offered if "form" in kinds(post)]
    dialog = opened["dialog"]
    assert dialog["title"] == cut_bytes(t("en", "signal.form_title_anonymous"), TITLE_MAX_BYTES)
    fields = elements(opened)
    assert fields["what"]["type"] == "textarea" and fields["what"]["optional"] is False
    assert fields["role"]["type"] == "select"
    assert [o["value"] for o in fields["role"]["options"]] == ["target", "witness", "both"]
    assert [e for name, e in fields.items() if name.startswith("kinds.")]
    assert all(e["type"] == "bool" for name, e in fields.items() if name.startswith("kinds."))
    assert "subtype" not in fields["what"], "nothing here is a password field"

    answers = {"what": "Remarks about my background in the team meeting, again."}
    answers |= {"role": "target", "kinds": "racism,bullying"}
    posts = await reporter.submit(opened, answers)
    assert await flow.count("signals") == 1
    [receipt] = [post for post in posts if "hide" in kinds(post)]
    assert kinds(receipt) == ["hide"]
    [code] = RECEIPT_SHAPE.findall(receipt["message"])
    assert t("en", "signal.receipt", receipt=code) in receipt["message"]
    assert t("en", "signal.receipt_platform", platform="Mattermost") in texts(posts)
    assert sum(code in json.dumps(post) for post in posts) == 1, "the code is shown once"

    # The same submission again (a double click) files nothing.
    status, again = await flow.fake.submit_dialog(reporter.user, opened, fill(opened, answers))
    assert status == 200 and set(again) == {"error"}
    assert await flow.count("signals") == 1

    status, hidden_answer = await flow.fake.click(reporter.user, receipt, 0)
    assert status == 200 and "update" in hidden_answer
    hidden = flow.fake.posts[receipt["id"]]
    assert hidden["message"] == HIDDEN["en"]
    assert code not in json.dumps(hidden) and code.replace("-", "") not in json.dumps(hidden)
    assert actions_of(hidden) == []
    assert await flow.count("signals") == 1, "hiding touches only the post"


async def test_follow_up_reads_adds_and_refuses_a_wrong_code(flow: Flow) -> None:
    await flow.adviser("desk")
    reporter = flow.person("gerrit")
    receipt = await leave_signal(reporter, "Een opmerking over mijn afkomst bij de koffie.")

    opened = await reporter.open_form("topic:follow-up")
    assert "code" in elements(opened)
    read = await reporter.submit(opened, {"code": receipt.code.lower()})
    assert t("nl", "follow_up.status_open") in texts(read)
    assert t("nl", "follow_up.no_answer_yet") in texts(read)
    assert {"follow-up:add", "follow-up:delete"} <= set(values(read))

    opened = await reporter.open_form("follow-up:add")
    assert elements(opened)["text"]["type"] == "textarea"
    answers = {"text": "Het gebeurde vandaag opnieuw."}
    if "code" in elements(opened):
        answers["code"] = receipt.code
    added = await reporter.submit(opened, answers)
    assert t("nl", "follow_up.added") in texts(added)

    await reporter.say("menu")
    opened = await reporter.open_form("topic:follow-up")
    again = await reporter.submit(opened, {"code": receipt.code})
    assert "Het gebeurde vandaag opnieuw." in texts(again)

    await reporter.say("menu")
    opened = await reporter.open_form("topic:follow-up")
    wrong = await reporter.submit(opened, {"code": "0000-0000-0000-0000-0000-0"})
    assert t("nl", "follow_up.not_found") in texts(wrong)
    assert await flow.count("signal_messages") >= 1


async def test_adviser_notice_unlock_open_and_reply_then_the_reporter_reads_it(
    flow: Flow,
) -> None:
    adviser, adviser_id = await flow.adviser("vera", locale="en")
    reporter = flow.person("hidde", locale="en")
    receipt = await leave_signal(reporter, "Jokes about my headscarf at the team outing.")
    [signal_id] = [row[0] for row in await flow.rows("SELECT id FROM signals")]

    # The outbox's notice, sent by the app's own worker and channels at its notice time.
    async with flow.services.sessions() as db:
        deliveries = list((await db.execute(select(DeliveryRow))).scalars())
    [row] = [row for row in deliveries if row.channel == "mattermost"]
    assert row.recipient == adviser_id
    app = app_of(flow.client)
    tasks = NoticeTasks.build(
        flow.services.settings,
        flow.services.sessions,
        flow.services.signals.outbox,
        app[NOTICE_CHANNELS],
    )
    assert adviser.bot_posts() == []
    done = await tasks.worker.run_once(utc(row.next_attempt_at))
    assert done.sent >= 1
    [notice] = adviser.bot_posts()
    assert notice["message"].startswith("**")
    assert "Jokes about my headscarf" not in notice["message"]
    assert notice["channel_id"] == adviser.dm
    async with flow.services.sessions() as db:
        sent = (await db.execute(select(DeliveryRow).where(DeliveryRow.id == row.id))).scalar()
    assert sent is not None and sent.status == SENT
    assert (await tasks.worker.run_once(utc(row.next_attempt_at) + timedelta(days=1))).sent == 0
    assert len(adviser.bot_posts()) == 1, "one notice"

    menu = await adviser.start()
    assert values(menu)[0] == "adviser:inbox"
    assert "adviser:inbox" not in values(await reporter.say("menu"))

    unlock = await adviser.open_form("adviser:inbox")
    passphrase = elements(unlock)["passphrase"]
    assert passphrase["type"] == "text" and passphrase["subtype"] == "password"
    wrong = await adviser.submit(unlock, {"passphrase": "not-the-passphrase"})
    assert t("en", "adviser.wrong_passphrase") in texts(wrong)
    unlock = await adviser.open_form("adviser:unlock")
    inbox = await adviser.submit(unlock, {"passphrase": PASSPHRASE})
    assert t("en", "adviser.unlocked", minutes="30") in texts(inbox)
    assert f"adviser:open:{signal_id}" in values(inbox)

    _, opened = await adviser.press(f"adviser:open:{signal_id}")
    assert "Jokes about my headscarf at the team outing." in texts(opened)
    reply = await adviser.open_form(f"adviser:reply:{signal_id}")
    assert elements(reply)["text"]["type"] == "textarea"
    done_posts = await adviser.submit(
        reply, {"text": "Thank you for telling me. Shall we talk on Thursday?"}
    )
    assert t("en", "adviser.sent") in texts(done_posts)

    # Another Mattermost account: only the receipt links it to the signal.
    later = flow.person("hidde-later", locale="en")
    await later.start()
    read = await later.open_form("topic:follow-up")
    thread = await later.submit(read, {"code": receipt.code})
    assert "Thank you for telling me. Shall we talk on Thursday?" in texts(thread)
    assert t("en", "follow_up.no_answer_yet") not in texts(thread)

    assert (adviser.user.id,) in await flow.rows("SELECT mattermost_id FROM advisers")
    # The passphrase went in through a password dialog; it is nowhere in the data folder.
    for path, blob in files_under(flow.data_dir):
        assert PASSPHRASE.encode() not in blob, path.name

    # Closing asks how the signal ended: one attachment, eight buttons, each label in full
    # and each action id letters and digits only (the fake server checks the post's shape).
    await adviser.press("adviser:inbox")
    await adviser.press(f"adviser:open:{signal_id}")
    _, asked = await adviser.press(f"adviser:close:{signal_id}")
    (choice,) = [post for post in asked if actions_of(post)]
    buttons = actions_of(choice)
    assert [button["name"] for button in buttons] == [
        *(t("en", f"adviser.outcome_{o.replace('-', '_')}") for o in OUTCOMES),
        t("en", "adviser.keep_open"),
    ]
    assert len({button["id"] for button in buttons}) == len(OUTCOMES) + 1
    assert values(asked) == [
        *(close_as_action(signal_id, o) for o in OUTCOMES),
        f"adviser:open:{signal_id}",
    ]
    assert t("en", "adviser.close_choose", id=signal_id[:8]) in texts(asked)
    _, closed = await adviser.press(close_as_action(signal_id, "informal"), choice)
    informal = t("en", "adviser.outcome_informal")
    assert t("en", "adviser.closed_as", outcome=informal) in texts(closed)
    await later.say("menu")
    read = await later.open_form("topic:follow-up")
    thread = await later.submit(read, {"code": receipt.code})
    assert t("en", "follow_up.status_closed") in texts(thread)
