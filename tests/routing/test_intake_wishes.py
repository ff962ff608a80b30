"""The intake form asks for an attribute wish when advisers have attributes."""

from __future__ import annotations

from bot.app import Services
from bot.signals.registry import NewAdviser
from tests.signals.conftest import (
    PASSPHRASE,
    form_of,
    open_intake,
    reporter,
    t,
    the_demo_adviser_id,
    values,
)


async def woman_adviser(services: Services) -> str:
    registry = services.signals.registry
    added = await registry.add(NewAdviser(name="Canary-Name-w01", attributes=("vrouw",)))
    await registry.enrol(added.id, PASSPHRASE)
    return added.id


async def test_without_attributes_the_form_asks_no_wish(services: Services) -> None:
    form = form_of(await open_intake(reporter(services)))
    assert "adviser_attributes" not in form["fields"]  # type: ignore[operator]


async def test_a_wish_routes_the_signal_to_who_matches(services: Services) -> None:
    woman = await woman_adviser(services)
    person = reporter(services)
    form = form_of(await open_intake(person))
    wish = form["fields"]["adviser_attributes"]  # type: ignore[index]
    assert [c.value for c in wish.choices] == ["vrouw"]
    assert wish.label == t("signal.adviser_attributes")
    replies = await person.submit(
        "signal:intake", what="Canary-Text-w1", role="target", adviser_attributes="vrouw"
    )
    assert any(reply.sensitive for reply in replies)
    assert [str(a) for (a,) in await values(services, "signal_wraps", "adviser_id")] == [woman]
    assert [str(a) for (a,) in await values(services, "signals", "adviser_id")] == [woman]


async def test_without_a_wish_everyone_may_read_it(services: Services) -> None:
    woman = await woman_adviser(services)
    person = reporter(services)
    await open_intake(person)
    await person.submit("signal:intake", what="Canary-Text-w2", role="target")
    readers = {str(a) for (a,) in await values(services, "signal_wraps", "adviser_id")}
    assert readers == {woman, await the_demo_adviser_id(services)}


async def test_a_wish_the_form_did_not_offer_is_refused(services: Services) -> None:
    await woman_adviser(services)
    person = reporter(services)
    await open_intake(person)
    replies = await person.submit(
        "signal:intake", what="Canary-Text-w3", role="target", adviser_attributes="man"
    )
    assert replies[0].text == t("signal.bad_choice")
    assert await values(services, "signals", "id") == []
