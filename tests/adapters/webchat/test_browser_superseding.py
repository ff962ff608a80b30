"""Older buttons and forms go inactive; what someone typed into a form is never lost.

The far side of the page's wire is scripted: each request to the API gets the next answer
of the script, in the JSON shape of wire.py, so the page meets every case (an aside that
leaves the form usable, a form that comes back, a stale submit) in a known order. A reply
without ``supersedes`` and a field without ``value`` (an older server) must work as true
and as empty.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp import web

from adapters.webchat import setup_webchat
from tests.adapters.webchat.conftest import RecordingCore
from tests.adapters.webchat.screens import SCREEN_IDS, SCREENS, in_sight

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("screen", SCREENS, ids=SCREEN_IDS),
]

TOKEN = "T" * 40


@pytest.fixture
def app() -> web.Application:
    """Serves the page; its API is answered by the script (``ScriptedApi``) instead."""
    app = web.Application()
    setup_webchat(app, RecordingCore(), max_message_chars=2000)
    return app


async def inactive(form: Any) -> bool:
    disabled: bool = await form.locator("fieldset").first.evaluate("el => el.disabled")
    return disabled


def reply(
    text: str,
    *,
    buttons: tuple[str, ...] = (),
    form: dict[str, Any] | None = None,
    supersedes: bool | None = None,
    sensitive: bool = False,
) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "text": text,
        "parts": [{"text": text, "theirs": False}],
        "lang": "nl",
        "buttons": [{"label": label, "action": f"test:{label}"} for label in buttons],
        "form": form,
        "sensitive": sensitive,
    }
    if supersedes is not None:
        shown["supersedes"] = supersedes
    return shown


def field(
    name: str, kind: str, *choices: str, value: str | None = None, required: bool = False
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "name": name,
        "label": f"Veld {name}",
        "kind": kind,
        "required": required,
        "max_length": 500,
        "hint": "",
        "choices": [{"value": c, "label": f"Keuze {c}"} for c in choices],
    }
    if value is not None:
        spec["value"] = value
    return spec


def intake(**values: str) -> dict[str, Any]:
    """A form like the signal's: text, multi, radio (≤ 4 choices), a list, a password."""
    return {
        "id": "test:intake",
        "title": "Jouw verhaal",
        "submit_label": "Versturen",
        "fields": [
            field("what", "textarea", value=values.get("what"), required=True),
            field("kinds", "multi", "a", "b", "c", value=values.get("kinds")),
            field("role", "choice", "target", "witness", value=values.get("role")),
            field("when", "choice", "1", "2", "3", "4", "5", value=values.get("when")),
            field("code", "password", value=values.get("code")),
            field("hope", "textarea", value=values.get("hope")),
        ],
    }


class ScriptedApi:
    """Answers the page's requests, in order, with scripted replies; keeps what it was sent."""

    def __init__(self, *answers: list[dict[str, Any]]) -> None:
        self.answers = list(answers)
        self.sent: list[Any] = []

    async def answer(self, route: Any) -> None:
        request = route.request
        self.sent.append(request.post_data_json)
        body: dict[str, Any] = {"replies": self.answers.pop(0)}
        status = 200
        if request.url.endswith("/api/webchat/conversations"):
            body |= {"conversation": TOKEN, "limits": {"max_message_chars": 2000}}
            status = 201
        await route.fulfill(status=status, content_type="application/json", body=json.dumps(body))


async def open_with(page: Any, api: ScriptedApi) -> None:
    # The first load's own conversation must be done before the script takes over.
    await page.locator(".message.bot").first.wait_for()
    await page.wait_for_function("!document.getElementById('log').hasAttribute('aria-busy')")
    await page.route("**/api/webchat/**", api.answer)
    await page.evaluate("sessionStorage.clear()")
    await page.reload()
    await page.locator(".message.bot").first.wait_for()


async def turn(page: Any, action: Any) -> None:
    before = await page.locator(".message.bot").count()
    await action
    await page.wait_for_function(
        "n => document.querySelectorAll('.message.bot').length > n"
        " && !document.getElementById('log').hasAttribute('aria-busy')",
        arg=before,
    )


def button(page: Any, label: str) -> Any:
    return page.get_by_role("button", name=label, exact=True)


async def say(page: Any, text: str) -> None:
    await page.fill("#message", text)
    await turn(page, page.click("#send"))


async def test_a_newer_answer_disables_earlier_buttons_and_forms_but_an_aside_does_not(
    page: Any,
) -> None:
    api = ScriptedApi(
        [
            reply("Bewijs: ABCD", sensitive=True),
            reply("Welkom", buttons=("Formulier", "Iets anders")),
        ],
        [reply("Vul in", form=intake())],
        [reply("Gebruik het formulier.", buttons=("Terug",), supersedes=False)],
        [reply("Hier is het weer", form=intake(), supersedes=True)],
    )
    await open_with(page, api)

    await turn(page, button(page, "Formulier").click())
    assert await button(page, "Iets anders").is_disabled()
    first_form = page.locator("form.bot-form").first
    assert not await inactive(first_form)

    # An aside (supersedes false) leaves the open form and its own button usable.
    await say(page, "een vraag tussendoor")
    assert not await inactive(first_form)
    await first_form.get_by_label("Veld what").fill("nog steeds invulbaar")
    assert await button(page, "Terug").is_enabled()
    assert await button(page, "Iets anders").is_disabled()

    # The form again (supersedes true): the first form and the aside's button go inactive.
    await turn(page, button(page, "Terug").click())
    assert await inactive(first_form)
    assert await button(page, "Terug").is_disabled()
    assert not await inactive(page.locator("form.bot-form").last)
    # The receipt can still be hidden: hiding is not an answer to the conversation.
    assert await button(page, "Verberg").is_enabled()
    # The page sent only what the person did, nothing for the inactive controls.
    assert api.sent[1:] == [
        {"action": "test:Formulier"},
        {"text": "een vraag tussendoor"},
        {"action": "test:Terug"},
    ]


async def fill_intake(form: Any) -> None:
    await form.get_by_label("Veld what").fill("Het gebeurde in de kantine, twee keer.")
    await form.get_by_label("Keuze a").check()
    await form.get_by_label("Keuze c").check()
    await form.get_by_label("Keuze witness").check()
    await form.get_by_label("Veld when").select_option("4")
    await form.get_by_label("Veld code").fill("GEHEIM-1234")
    await form.get_by_label("Veld hope").fill("Dat het stopt.")


async def values_of(form: Any) -> dict[str, Any]:
    return {
        "what": await form.get_by_label("Veld what").input_value(),
        "kinds": [c for c in "abc" if await form.get_by_label(f"Keuze {c}").is_checked()],
        "witness": await form.get_by_label("Keuze witness").is_checked(),
        "when": await form.get_by_label("Veld when").input_value(),
        "code": await form.get_by_label("Veld code").input_value(),
        "hope": await form.get_by_label("Veld hope").input_value(),
    }


TYPED = {
    "what": "Het gebeurde in de kantine, twee keer.",
    "kinds": ["a", "c"],
    "witness": True,
    "when": "4",
    "code": "",  # a password (a receipt code) is never kept or filled in again
    "hope": "Dat het stopt.",
}


async def test_what_was_typed_comes_back_in_a_new_form_with_the_same_id(page: Any) -> None:
    stale = intake(what="Zoals verstuurd", kinds="b", role="target", when="", hope="")
    api = ScriptedApi(
        [reply("Welkom", buttons=("Formulier",))],
        [reply("Vul in", form=intake())],
        [reply("Bel 112 als je in gevaar bent.", buttons=("Terug",), supersedes=False)],
        # The same form again; the server's own value wins over what was typed.
        [reply("Waar je was", form=intake(hope="Van de server"), supersedes=True)],
        # A stale submit: not sent, the form back with the values the server got.
        [reply("Niet verstuurd. Verstuur het nog eens.", form=stale, supersedes=True)],
        [reply("Verstuurd. Dank je.", buttons=("Nog een",), supersedes=True)],
        [reply("Vul in", form=intake(), supersedes=True)],
    )
    await open_with(page, api)
    await turn(page, button(page, "Formulier").click())
    await fill_intake(page.locator("form.bot-form").last)

    await say(page, "hij staat voor mijn deur")  # the crisis aside leaves the form as it was
    assert await values_of(page.locator("form.bot-form").last) == TYPED | {"code": "GEHEIM-1234"}

    await turn(page, button(page, "Terug").click())
    again = page.locator("form.bot-form").last
    assert await values_of(again) == TYPED | {"hope": "Van de server"}

    await again.get_by_label("Veld code").fill("GEHEIM-1234")
    await turn(page, again.get_by_role("button", name="Versturen").click())
    assert api.sent[-1] == {
        "form": "test:intake",
        "data": {
            "what": TYPED["what"],
            "kinds": ["a", "c"],
            "role": "witness",
            "when": "4",
            "code": "GEHEIM-1234",
            "hope": "Van de server",
        },
    }
    # Not taken: the page does not claim it was sent, and the form is back, filled in.
    assert (
        await page.locator(".message.me").last.text_content() == "Jij: Niet verstuurd: Jouw verhaal"
    )
    back = page.locator("form.bot-form").last
    assert await values_of(back) == {
        "what": "Zoals verstuurd",
        "kinds": ["b"],
        "witness": False,
        "when": "4",  # the server sent no value here: what was typed stays
        "code": "",
        "hope": "Van de server",
    }
    assert await back.get_by_label("Keuze target").is_checked()

    await turn(page, back.get_by_role("button", name="Versturen").click())
    assert (
        await page.locator(".message.me").last.text_content()
        == "Jij: Formulier verstuurd: Jouw verhaal"
    )
    body = await page.inner_text("body")
    # Said once, by the person's own line: the form's place does not say it again.
    assert body.count("Formulier verstuurd: Jouw verhaal") == 1
    assert "Zoals verstuurd" not in body
    assert "Van de server" not in body

    # Taken: a new form with the same id starts empty.
    await turn(page, button(page, "Nog een").click())
    fresh = page.locator("form.bot-form").last
    assert await values_of(fresh) == {
        "what": "",
        "kinds": [],
        "witness": False,
        "when": "",
        "code": "",
        "hope": "",
    }


async def test_the_newest_answer_stays_in_sight_when_a_keyboard_takes_room(
    page: Any, screen: dict[str, Any]
) -> None:
    story = "Een lange uitleg over wat je kunt doen, en waar je terecht kunt. " * 6
    api = ScriptedApi(
        [reply(story) for _ in range(5)] + [reply("Welkom", buttons=("Verder",))],
        [reply("Kort antwoord.", buttons=("Een", "Twee"))],
    )
    await open_with(page, api)
    await turn(page, button(page, "Verder").click())
    await page.focus("#message")
    # A phone keyboard opening makes the page this much shorter (resizes-content).
    await page.set_viewport_size({"width": screen["viewport"]["width"], "height": 420})
    # A ResizeObserver answers in the next frame: wait two frames, not a time.
    await page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    newest = page.locator(".message.bot").last
    assert await in_sight(newest.locator(".message-text > *").first, first_line_only=True)
    for label in ("Een", "Twee"):
        assert await in_sight(button(page, label)), label
