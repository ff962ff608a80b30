"""The adviser's side through the core, in Teams: unlock, inbox, open, reply, close, recuse."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import Services, build_services, build_signal_services, prepare_database
from bot.conversation import utc_now
from bot.core import Channel, FieldKind, user_text
from bot.effects import SignalServices
from bot.errors import InputError
from bot.secret import server_secret
from bot.settings import Settings
from bot.written_dates import written_date
from tests.conftest import TEST_KDF
from tests.signals.conftest import (
    SIGNAL_TABLES,
    Person,
    add_to_thread,
    adviser_in_teams,
    all_text,
    at,
    closed_as,
    core_at,
    count,
    form_of,
    read_thread,
    signal_ids,
    snapshot,
    submit_signal,
    t,
    the_demo_adviser_id,
    values,
)


async def test_the_desk_asks_for_the_passphrase_in_a_password_field(services: Services) -> None:
    desk = await adviser_in_teams(services, "aad-desk")
    greeting = await desk.person.start()
    assert any(b.action == "adviser:inbox" for r in greeting for b in r.buttons)
    asked = await desk.inbox()
    form = form_of(asked)
    assert form["id"] == "adviser:unlock"
    assert form["fields"]["passphrase"].kind is FieldKind.PASSWORD  # type: ignore[index]


async def test_a_wrong_passphrase_opens_no_session(services: Services) -> None:
    desk = await adviser_in_teams(services, "aad-desk")
    replies = await desk.unlock("not-the-passphrase")
    assert all_text(replies) == t("adviser.wrong_passphrase")
    assert form_of(replies)["id"] == "adviser:unlock", "the form is offered again"
    assert await count(services, "adviser_sessions") == 0
    assert await values(services, "conversations", "adviser_session") == [("",)]
    still_locked = await desk.inbox()
    assert form_of(still_locked)["id"] == "adviser:unlock"


async def test_the_inbox_shows_age_and_only_the_acknowledgement_deadline_at_first(
    services: Services,
) -> None:
    created = core_at(services, at(2026, 1, 31))
    await submit_signal(created)
    later = core_at(services, at(2026, 2, 10))
    desk = await adviser_in_teams(services, "aad-inbox", core=later)
    inbox = all_text(await desk.unlock())
    (signal_id,) = await signal_ids(services)
    expected = t(
        "adviser.inbox_item",
        id=signal_id[:8],
        age="10",
        mine=t("adviser.mine"),
        ack=t("adviser.ack_due", date="7 February 2026"),
        feedback="",  # the feedback deadline counts from the acknowledgement
        new=t("adviser.new_messages", count="1"),  # nobody opened it yet
    )
    assert expected in inbox
    assert t("adviser.feedback_due", date="30 April 2026") not in inbox


async def test_a_reply_acknowledges_and_new_messages_are_counted(services: Services) -> None:
    moment = at(2026, 5, 4)
    core = core_at(services, moment)
    sent = await submit_signal(core)
    desk = await adviser_in_teams(services, "aad-ack", core=core)
    await desk.unlock()
    (signal_id,) = await signal_ids(services)
    assert all_text(await desk.write(signal_id, "Canary-Text-d1")) == t("adviser.sent")
    await add_to_thread(sent.person, sent.receipt, "Canary-Text-d2")
    inbox = all_text(await desk.inbox())
    assert t("adviser.ack_due", date="11 May 2026") not in inbox
    assert t("adviser.new_messages", count="1") in inbox
    assert "service norm: feedback by 4 August 2026" in inbox


async def test_open_shows_the_signal_and_its_thread(services: Services) -> None:
    sent = await submit_signal(services, what="Canary-Text-d3", hope="Canary-Text-d4")
    await add_to_thread(sent.person, sent.receipt, "Canary-Text-d5")
    desk = await adviser_in_teams(services, "aad-open")
    await desk.unlock()
    (signal_id,) = await signal_ids(services)
    opened = all_text(await desk.open(signal_id))
    for canary in ("Canary-Text-d3", "Canary-Text-d4", "Canary-Text-d5", t("signal.kind_racism")):
        assert canary in opened
    assert t("signal.role_target") in opened


async def test_unlock_open_reply_ask_and_close_are_audited(services: Services) -> None:
    sent = await submit_signal(services)
    desk = await adviser_in_teams(services, "aad-audit")
    await desk.unlock()
    (signal_id,) = await signal_ids(services)
    await desk.open(signal_id)
    await desk.write(signal_id, "Canary-Text-d6")
    await desk.write(signal_id, "Canary-Text-d7", verb="ask")
    assert all_text(await desk.close(signal_id, "integrity-report")) == closed_as(
        "integrity-report"
    )
    audited = await values(services, "audit_log", "adviser_id", "action", "signal_id")
    assert audited == [
        (desk.adviser_id, "unlock", "-"),
        *((desk.adviser_id, action, signal_id) for action in ("open", "reply", "ask", "close")),
    ]
    thread = all_text(await read_thread(sent.person, sent.receipt))
    ((created_on,),) = await values(services, "signals", "created_on")
    created = written_date(date.fromisoformat(str(created_on)), "en")
    assert t("follow_up.question_from_adviser", date=created) in thread
    assert t("follow_up.status_closed") in thread
    closed_reply = await desk.write(signal_id, "Canary-Text-d8")
    assert t("adviser.closed") in all_text(closed_reply)
    assert await count(services, "signal_messages") == 3


async def holders(services: Services) -> set[object]:
    return {adviser for (adviser,) in await values(services, "signal_wraps", "adviser_id")}


async def test_recusing_moves_the_signal_and_drops_the_wrap(services: Services) -> None:
    first = await adviser_in_teams(services, "aad-first")
    second = await adviser_in_teams(services, "aad-second", name="Canary-Name-rc01")
    # Make the first responsible: the second already has a signal open.
    await submit_signal(services, what="Canary-Text-d0", exclude=first.adviser_id)
    await submit_signal(services, what="Canary-Text-d9")
    signal_id = next(
        s
        for s, who in await values(services, "signals", "id", "adviser_id")
        if who == first.adviser_id
    )
    assert await holders_of(services, signal_id) == {first.adviser_id, second.adviser_id}
    await first.unlock()
    moved = await first.recuse(signal_id)
    # The name is the admin's words, marked so a markdown channel shows it as written.
    assert all_text(moved) == t("adviser.recused", name=user_text("Canary-Name-rc01"))
    assert await holders_of(services, signal_id) == {second.adviser_id}
    assert (signal_id, second.adviser_id) in await values(services, "signals", "id", "adviser_id")
    assert all_text(await first.open(signal_id)) == t("adviser.not_yours")
    await second.unlock()
    assert "Canary-Text-d9" in all_text(await second.open(signal_id))
    audited = await values(services, "audit_log", "adviser_id", "action")
    assert [row for row in audited if row[1] != "unlock"] == [
        (first.adviser_id, "recuse"),
        (second.adviser_id, "open"),
    ]


async def holders_of(services: Services, signal_id: str) -> set[object]:
    return {
        adviser
        for signal, adviser in await values(services, "signal_wraps", "signal_id", "adviser_id")
        if signal == signal_id
    }


async def test_an_adviser_added_after_the_submission_gets_no_access_by_recusal(
    services: Services,
) -> None:
    await submit_signal(services, what="Canary-Text-d9")
    first = await adviser_in_teams(services, "aad-first")
    later = await adviser_in_teams(services, "aad-later", name="Canary-Name-rc03")
    (signal_id,) = await signal_ids(services)
    await first.unlock()
    before = await snapshot(services)
    assert all_text(await first.recuse(signal_id)) == t("adviser.no_other_adviser")
    assert await snapshot(services) == before
    assert later.adviser_id not in await holders(services)


async def test_an_adviser_who_recused_never_becomes_responsible_again(services: Services) -> None:
    demo = await adviser_in_teams(services, "aad-demo")
    other = await adviser_in_teams(services, "aad-other", name="Canary-Name-rc04")
    await submit_signal(services)
    ((signal_id, responsible),) = await values(services, "signals", "id", "adviser_id")
    first, second = (demo, other) if responsible == demo.adviser_id else (other, demo)
    await first.unlock()
    await second.unlock()
    await first.recuse(signal_id)
    assert await values(services, "signals", "adviser_id") == [(second.adviser_id,)]
    refused = await second.recuse(signal_id)
    assert all_text(refused) == t("adviser.no_other_adviser")
    assert await values(services, "signals", "adviser_id") == [(second.adviser_id,)]
    assert await holders(services) == {second.adviser_id}


async def test_closing_a_closed_signal_changes_nothing(services: Services) -> None:
    await submit_signal(services)
    closing = core_at(services, at(2026, 6, 1))
    desk = await adviser_in_teams(services, "aad-close", core=closing)
    await desk.unlock()
    (signal_id,) = await signal_ids(services)
    assert all_text(await desk.close(signal_id, "withdrawn")) == closed_as("withdrawn")
    later = desk.elsewhere(core_at(services, at(2026, 6, 20)))
    await later.unlock()
    before = await snapshot(services, *SIGNAL_TABLES, "audit_log")
    again = await later.close(signal_id)
    assert t("adviser.already_closed") in all_text(again)
    after = await snapshot(services, *SIGNAL_TABLES, "audit_log")
    assert after["signals"] == before["signals"], "closed_on (and retention) kept"
    assert [r for r in after["audit_log"] if r not in before["audit_log"]] == []


async def test_recusing_without_another_adviser_keeps_the_signal(services: Services) -> None:
    await submit_signal(services)
    only = await adviser_in_teams(services, "aad-only")
    (signal_id,) = await signal_ids(services)
    await only.unlock()
    before = await snapshot(services)
    assert all_text(await only.recuse(signal_id)) == t("adviser.no_other_adviser")
    assert await snapshot(services) == before


async def test_recusing_respects_the_reporters_exclusions(services: Services) -> None:
    first = await adviser_in_teams(services, "aad-first")
    excluded = await adviser_in_teams(services, "aad-ex", name="Canary-Name-rc02")
    await submit_signal(services, exclude=excluded.adviser_id)
    (signal_id,) = await signal_ids(services)
    await first.unlock()
    refused = await first.recuse(signal_id)
    assert all_text(refused) == t("adviser.no_other_adviser")
    assert await holders(services) == {first.adviser_id}


async def test_a_session_works_on_another_replica_until_it_expires(services: Services) -> None:
    await submit_signal(services)
    other = build_services(services.settings)
    try:
        start = at(2026, 3, 2, 9, 0)
        desk = await adviser_in_teams(services, "aad-replica", core=core_at(services, start))
        await desk.unlock()
        (signal_id,) = await signal_ids(services)
        minutes = services.settings.adviser_session_minutes
        almost = desk.elsewhere(core_at(other, start + timedelta(minutes=minutes - 1)))
        assert "Canary-Text-0d1e" in all_text(await almost.open(signal_id))
        expired = desk.elsewhere(core_at(other, start + timedelta(minutes=minutes, seconds=1)))
        locked = await expired.open(signal_id)
        assert form_of(locked)["id"] == "adviser:unlock"
        assert "Canary-Text-0d1e" not in all_text(locked)
    finally:
        await other.close()


async def test_the_real_clock_session_is_shared_by_replicas(services: Services) -> None:
    await submit_signal(services)
    other = build_services(services.settings)
    try:
        desk = await adviser_in_teams(services, "aad-replica")
        await desk.unlock()
        (signal_id,) = await signal_ids(services)
        there = desk.elsewhere(other.conversations)
        assert "Canary-Text-0d1e" in all_text(await there.open(signal_id))
    finally:
        await other.close()


async def test_locking_ends_the_session(services: Services) -> None:
    await submit_signal(services)
    desk = await adviser_in_teams(services, "aad-lock")
    await desk.unlock()
    assert await count(services, "adviser_sessions") == 1
    assert all_text(await desk.lock()) == t("adviser.locked")
    assert await count(services, "adviser_sessions") == 0
    (signal_id,) = await signal_ids(services)
    again = await desk.open(signal_id)
    assert form_of(again)["id"] == "adviser:unlock"


async def test_someone_who_is_not_an_adviser_is_refused(services: Services) -> None:
    await submit_signal(services)
    desk = await adviser_in_teams(services, "aad-real")
    await desk.unlock()
    (signal_id,) = await signal_ids(services)
    before = await snapshot(services, *SIGNAL_TABLES, "audit_log", "adviser_sessions")
    strangers = [
        Person(services.conversations, Channel.TEAMS, "teams-conv-stranger", "aad-stranger"),
        # An adviser's Teams id claimed through the web chat does not count.
        Person(services.conversations, Channel.WEBCHAT, "web-conv-claims", "aad-real"),
    ]
    for stranger in strangers:
        for action in (
            "adviser:inbox",
            f"adviser:open:{signal_id}",
            f"adviser:close:{signal_id}",
            f"adviser:close-as:{signal_id}:advice",
        ):
            assert all_text(await stranger.press(action)) == t("input.unknown_action")
        await stranger.press("adviser:inbox")
        unlock = await stranger.submit("adviser:unlock", passphrase="demo-passphrase")
        assert all_text(unlock) == t("input.unknown_form")
        reply = await stranger.submit(f"adviser:reply:{signal_id}", text="Canary-Text-e1")
        assert "Canary-Text-0d1e" not in all_text(reply)
    assert await snapshot(services, *SIGNAL_TABLES, "audit_log", "adviser_sessions") == before


async def test_a_disabled_adviser_is_no_longer_an_adviser(services: Services) -> None:
    await submit_signal(services)
    desk = await adviser_in_teams(services, "aad-gone", name="Canary-Name-dis1")
    await services.signals.desk.disable_adviser(desk.adviser_id)
    assert all_text(await desk.inbox()) == t("input.unknown_action")
    assert await count(services, "adviser_sessions") == 0


async def test_the_configured_session_length_is_what_the_adviser_is_told(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        adviser_session_minutes=45,
        **TEST_KDF,  # type: ignore[arg-type]
    )
    services = build_services(settings)
    try:
        await prepare_database(services)
        desk = await adviser_in_teams(services, "aad-length", name="Canary-Name-len")
        shown = all_text(await desk.unlock())
        assert t("adviser.unlocked", minutes="45") in shown
        await desk.person.press("adviser:lock")
        again = all_text(await desk.inbox())
        assert t("adviser.locked_again", minutes="45") in again
    finally:
        await services.close()


async def test_disabling_hands_open_signals_to_a_backup_with_a_wrap(services: Services) -> None:
    leaving = await adviser_in_teams(services, "aad-leaving", name="Canary-Name-dis2")
    backup = await adviser_in_teams(services, "aad-backup", name="Canary-Name-dis3")
    await services.signals.desk.disable_adviser(await the_demo_adviser_id(services))
    await submit_signal(services, what="Canary-Text-dis4", exclude=backup.adviser_id)
    await submit_signal(services, what="Canary-Text-dis5")
    await submit_signal(services, what="Canary-Text-dis6")
    # Added afterwards: holds no wrap, so it never takes a signal over.
    await adviser_in_teams(services, "aad-newcomer", name="Canary-Name-dis7")
    mine = [
        s
        for s, who in await values(services, "signals", "id", "adviser_id")
        if who == leaving.adviser_id
    ]
    assert mine, "the leaving adviser is responsible for something"
    handover = await services.signals.desk.disable_adviser(leaving.adviser_id)
    responsible = dict(await values(services, "signals", "id", "adviser_id"))
    stranded = [s for s in mine if responsible[s] == leaving.adviser_id]
    assert set(handover.stranded) == set(stranded)
    assert handover.moved == len(mine) - len(stranded)
    assert all(responsible[s] in (backup.adviser_id, leaving.adviser_id) for s in mine)
    audited = await values(services, "audit_log", "adviser_id", "action")
    assert (leaving.adviser_id, "disable") in audited
    assert audited.count((leaving.adviser_id, "reassign")) == handover.moved


async def test_a_disabled_advisers_wraps_go_after_the_grace_period(services: Services) -> None:
    leaving = await adviser_in_teams(services, "aad-grace", name="Canary-Name-gr1")
    await submit_signal(services)
    await services.signals.desk.disable_adviser(leaving.adviser_id)
    grace = services.settings.disabled_wrap_grace_days
    assert grace == 30
    start = utc_now()
    for days, still in ((grace - 1, True), (grace, False)):
        later = signals_at(services, start + timedelta(days=days))
        await later.desk.remove_lapsed_wraps(grace)
        assert (leaving.adviser_id in await holders(services)) is still
    audited = await values(services, "audit_log", "adviser_id", "action")
    assert audited.count((leaving.adviser_id, "remove_wraps")) == 1


def signals_at(services: Services, moment: datetime) -> SignalServices:
    settings = services.settings
    secret = server_secret(None, settings.data_dir)
    return build_signal_services(settings, services.sessions, secret, lambda: moment)


async def test_open_shows_labels_the_status_and_the_reply_language(services: Services) -> None:
    await submit_signal(services, kinds="sexual,bullying", when="week", adviser_language="nl")
    desk = await adviser_in_teams(services, "aad-labels")
    await desk.unlock()
    (signal_id,) = await signal_ids(services)
    opened = all_text(await desk.open(signal_id))
    labels = (t("signal.kind_sexual"), t("signal.kind_bullying"), t("signal.when_week"))
    assert f"{labels[0]}, {labels[1]}" in opened and labels[2] in opened
    assert f"**{t('adviser.field_reply_language')}:** {t('signal.lang_nl')}" in opened
    assert t("adviser.status_open") in opened
    assert "sexual" not in opened and "bullying" not in opened


async def test_without_a_wish_the_reply_language_is_the_one_the_reporter_wrote_in(
    services: Services,
) -> None:
    await submit_signal(services)  # the test conversation is in English
    desk = await adviser_in_teams(services, "aad-lang")
    await desk.unlock()
    (signal_id,) = await signal_ids(services)
    opened = all_text(await desk.open(signal_id))
    assert f"**{t('adviser.field_reply_language')}:** {t('signal.lang_en')}" in opened


async def test_the_first_press_on_close_closes_nothing(services: Services) -> None:
    await submit_signal(services)
    desk = await adviser_in_teams(services, "aad-confirm")
    await desk.unlock()
    (signal_id,) = await signal_ids(services)
    before = await snapshot(services, *SIGNAL_TABLES, "audit_log")
    asked = await desk.person.press(f"adviser:close:{signal_id}")
    assert all_text(asked) == t("adviser.close_choose", id=signal_id[:8])
    assert await snapshot(services, *SIGNAL_TABLES, "audit_log") == before
    (keep,) = [b for r in asked for b in r.buttons if b.label == t("adviser.keep_open")]
    back = await desk.person.press(keep.action)
    assert t("adviser.status_open") in all_text(back)
    assert all_text(await desk.close(signal_id)) == closed_as("advice")


@pytest.mark.parametrize("outcome", ["closed", "", "Advice", "advice:advice"])
async def test_an_outcome_the_desk_does_not_know_closes_nothing(
    services: Services, outcome: str
) -> None:
    await submit_signal(services)
    desk = await adviser_in_teams(services, "aad-tamper")
    await desk.unlock()
    (signal_id,) = await signal_ids(services)
    before = await snapshot(services, *SIGNAL_TABLES, "audit_log")
    # A Teams card's data comes back as the client sends it: it can be anything.
    refused = await desk.person.press(f"adviser:close-as:{signal_id}:{outcome}")
    assert all_text(refused).startswith(t("adviser.unknown_outcome"))
    # Behind the chat, the desk itself refuses it too.
    opened = await services.signals.sessions.unlock(desk.adviser_id, desk.passphrase, "b")
    who = await services.signals.sessions.resume(opened.reference, "b")
    with pytest.raises(InputError) as raised:
        await services.signals.desk.close(who, signal_id, outcome)
    assert raised.value.code == "unknown_outcome"
    after = await snapshot(services, *SIGNAL_TABLES, "audit_log")
    assert after["signals"] == before["signals"]
    added = [row for row in after["audit_log"] if row not in before["audit_log"]]
    assert [row[3] for row in added] == ["unlock"], "only the second unlock above"


async def new_count(desk_inbox: str, signal_id: str) -> str:
    """The "new" part of one signal's inbox line ("" when nothing is new)."""
    (line,) = [line for line in desk_inbox.splitlines() if signal_id[:8] in line]
    for number in range(10):
        if t("adviser.new_messages", count=str(number)) in line:
            return str(number)
    return ""


async def test_new_counts_what_this_adviser_has_not_opened_yet(services: Services) -> None:
    sent = await submit_signal(services)
    desk = await adviser_in_teams(services, "aad-new")
    (signal_id,) = await signal_ids(services)
    inbox = all_text(await desk.unlock())
    assert await new_count(inbox, signal_id) == "1", "a signal nobody opened yet is new"
    await desk.open(signal_id)
    assert await new_count(all_text(await desk.inbox()), signal_id) == ""
    await add_to_thread(sent.person, sent.receipt, "Canary-Text-n1")
    await add_to_thread(sent.person, sent.receipt, "Canary-Text-n2")
    assert await new_count(all_text(await desk.inbox()), signal_id) == "2"
    # Read, not yet answered: no longer new.
    await desk.open(signal_id)
    assert await new_count(all_text(await desk.inbox()), signal_id) == ""
    await desk.write(signal_id, "Canary-Text-n3")
    await add_to_thread(sent.person, sent.receipt, "Canary-Text-n4")
    assert await new_count(all_text(await desk.inbox()), signal_id) == "1"


async def test_what_one_adviser_opened_is_still_new_for_the_other(services: Services) -> None:
    first = await adviser_in_teams(services, "aad-new-1", name="Canary-Name-new1")
    second = await adviser_in_teams(services, "aad-new-2", name="Canary-Name-new2")
    await submit_signal(services)
    (signal_id,) = await signal_ids(services)
    await first.unlock()
    await first.open(signal_id)
    assert await new_count(all_text(await first.inbox()), signal_id) == ""
    assert await new_count(all_text(await second.unlock()), signal_id) == "1"
