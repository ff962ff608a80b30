"""The counters move with the real flows, each category once per conversation, after commit."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot.app import Services, build_conversations
from bot.core import Channel, Kind
from tests.signals.conftest import (
    Build,
    add_to_thread,
    adviser_in_teams,
    at,
    core_at,
    delete_signal,
    read_thread,
    reporter,
    signal_ids,
    submit_signal,
)
from tests.stats.counting import counted, only


async def test_a_conversation_counts_its_channel_topics_and_funnel_once(
    any_services: Services,
) -> None:
    person = reporter(any_services, Channel.WEBCHAT)
    await person.start()
    for _ in range(2):  # the same topics twice in one conversation: counted once
        await person.press("topic:options")
        await person.press("topic:police")
        await person.press("topic:bystander")
        await person.press("topic:crisis")
        await person.press("topic:privacy")
    totals = await counted(any_services)
    assert totals == {
        ("conversations", "webchat"): 1,
        ("funnel", "conversation"): 1,
        ("funnel", "options"): 1,
        ("topics", "options"): 1,
        ("topics", "police"): 1,
        ("topics", "bystander"): 1,
        ("topics", "crisis"): 1,
        ("topics", "privacy"): 1,
    }
    again = reporter(any_services, Channel.CONSOLE)
    await again.press("topic:options")
    assert await only(any_services, "conversations") == {"webchat": 1, "console": 1}
    assert await only(any_services, "funnel") == {"conversation": 2, "options": 2}


async def test_typed_words_count_the_topic_they_are_answered_with(services: Services) -> None:
    person = reporter(services)
    for _ in range(2):
        await person.send(Kind.TEXT, text="I want to end my life")
        await person.send(Kind.TEXT, text="What are my options?")
    assert await only(services, "topics") == {"crisis": 1, "options": 1}
    assert await only(services, "funnel") == {"conversation": 1, "options": 1}


async def test_a_conversation_that_expired_is_counted_as_a_new_one(services: Services) -> None:
    person = reporter(services)
    await person.elsewhere(core_at(services, at(2026, 5, 4, 9))).press("topic:options")
    later = person.elsewhere(core_at(services, at(2026, 5, 5, 9)))
    await later.press("topic:options")
    assert await counted(services, 2026) == {
        ("conversations", "webchat"): 2,
        ("funnel", "conversation"): 2,
        ("funnel", "options"): 2,
        ("topics", "options"): 2,
    }


async def test_a_signal_counts_mode_kinds_role_and_the_funnel(any_services: Services) -> None:
    sent = await submit_signal(any_services, kinds="racism,bullying", role="witness")
    assert sent.receipt
    totals = await counted(any_services)
    assert totals[("signals", "anonymous")] == 1
    assert await only(any_services, "kinds") == {"racism": 1, "bullying": 1}
    assert await only(any_services, "roles") == {"witness": 1}
    assert await only(any_services, "funnel") == {
        "conversation": 1,
        "signal_started": 1,
        "signal_left": 1,
    }
    assert await only(any_services, "unit_groups") == {}, "no groups configured: no unit"


async def test_a_unit_is_counted_only_as_its_configured_group(services: Services) -> None:
    await adviser_in_teams(services, "aad-unit-1", name="Unit Adviser", units=("Finance",))
    grouped = replace(
        services.signals, unit_group={"Finance": "Directorate-General A"}.get
    )  # the organisation's grouping (statistics.toml), as the app wires it
    core = build_conversations(services.settings, services.knowledge, services.store, grouped)
    await submit_signal(core, unit="Finance")
    await submit_signal(core)  # no unit: no group
    assert await only(services, "unit_groups") == {"Directorate-General A": 1}
    assert not any(c == "Finance" for (_, c) in await counted(services))


async def test_follow_ups_are_counted_and_a_deletion_is_no_outcome(any_services: Services) -> None:
    sent = await submit_signal(any_services)
    await read_thread(sent.person, sent.receipt)
    await add_to_thread(sent.person, sent.receipt, "Canary-Text-more")
    await read_thread(sent.person, "0000-0000-0000-0000-0000-0")  # not found: not counted
    await delete_signal(sent.person, sent.receipt)
    assert await only(any_services, "follow_ups") == {"opened": 1, "added": 1}
    # Every outcome counts a feedback; a deletion counted as one would be their difference.
    assert await only(any_services, "outcomes") == {}
    assert await signal_ids(any_services) == []


async def test_the_first_reply_acknowledges_in_time_and_a_close_gives_feedback_in_time(
    services: Services,
) -> None:
    await submit_signal(core_at(services, at(2026, 2, 2)))
    (signal_id,) = await signal_ids(services)
    desk = await adviser_in_teams(services, "aad-desk-1", core=core_at(services, at(2026, 2, 9)))
    await desk.unlock()
    await desk.write(signal_id, "We received it.")
    await desk.write(signal_id, "A second answer acknowledges nothing more.")
    later = desk.elsewhere(core_at(services, at(2026, 5, 9)))
    await later.unlock()
    await later.close(signal_id)
    totals = await counted(services, 2026)
    assert await_only(totals, "acknowledged") == {"met": 1}
    assert await_only(totals, "feedback") == {"met": 1}
    assert await_only(totals, "outcomes") == {"advice": 1}


async def test_late_acknowledgement_and_late_feedback(services: Services) -> None:
    await submit_signal(core_at(services, at(2026, 2, 2)))
    (signal_id,) = await signal_ids(services)
    desk = await adviser_in_teams(services, "aad-desk-2", core=core_at(services, at(2026, 2, 10)))
    await desk.unlock()
    await desk.person.press(f"adviser:acknowledge:{signal_id}")
    later = desk.elsewhere(core_at(services, at(2026, 5, 11)))
    await later.unlock()
    await later.close(signal_id)
    totals = await counted(services, 2026)
    assert await_only(totals, "acknowledged") == {"late": 1}
    assert await_only(totals, "feedback") == {"late": 1}


async def test_a_signal_closed_unanswered_counts_its_acknowledgement_by_the_close(
    services: Services,
) -> None:
    await submit_signal(core_at(services, at(2026, 2, 2)))
    await submit_signal(core_at(services, at(2026, 2, 2)))
    first, second = await signal_ids(services)
    soon = await adviser_in_teams(services, "aad-desk-3", core=core_at(services, at(2026, 2, 5)))
    await soon.unlock()
    await soon.close(first)
    late = soon.elsewhere(core_at(services, at(2026, 3, 1)))
    await late.unlock()
    await late.close(second)
    totals = await counted(services, 2026)
    assert await_only(totals, "acknowledged") == {"met": 1, "late": 1}
    assert await_only(totals, "feedback") == {"late": 2}, "no answer ever came"
    assert await_only(totals, "outcomes") == {"advice": 2}


async def test_an_advisers_own_conversation_counts_nothing(services: Services) -> None:
    desk = await adviser_in_teams(services, "aad-desk-4")
    await desk.person.start()
    await desk.person.press("topic:options")
    await desk.person.press("topic:crisis")
    await desk.unlock()
    await desk.inbox()
    assert await counted(services) == {}


def await_only(totals: dict[tuple[str, str], int], measure: str) -> dict[str, int]:
    return {c: n for (m, c), n in totals.items() if m == measure}


async def test_the_groups_of_statistics_toml_are_what_a_unit_is_counted_as(
    build_on: Build, tmp_path: Path
) -> None:
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "statistics.toml").write_text(
        '[[group]]\nname = "DG Canary"\nsize = 1200\nunits = ["Finance"]\n', encoding="utf-8"
    )
    services = await build_on(knowledge_dir=overlay)
    await adviser_in_teams(services, "aad-unit-2", name="Unit Adviser", units=("Finance", "HR"))
    await submit_signal(services, unit="Finance")
    await submit_signal(services, unit="HR")  # in no group
    await submit_signal(services)  # no unit given
    # Every signal in exactly one row, so the table's total is the signals' total.
    assert await only(services, "unit_groups") == {"DG Canary": 1, "other": 2}
    assert await only(services, "signals") == {"anonymous": 3}


async def test_the_outcome_the_adviser_picks_is_the_one_counted(services: Services) -> None:
    for _ in range(3):
        await submit_signal(services)
    first, second, third = await signal_ids(services)
    desk = await adviser_in_teams(services, "aad-desk-5")
    await desk.unlock()
    await desk.close(first, "referred-outside")
    await desk.close(second, "informal")
    await desk.close(third, "informal")
    await desk.close(third, "no-contact")  # already closed: nothing changes, nothing counted
    assert await only(services, "outcomes") == {"referred-outside": 1, "informal": 2}
