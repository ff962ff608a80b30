"""Forms and receipts in the browser, against a recording core that always sends both.

The real core only offers its signal form deep in a dialog; here every answer
carries a form and a sensitive receipt, so the page's handling of them is checked
directly, down to the event the core receives.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web

from adapters.webchat import setup_webchat
from bot.core import Kind
from tests.adapters.webchat.conftest import RecordingCore

pytestmark = pytest.mark.browser


@pytest.fixture
def recording_core() -> RecordingCore:
    return RecordingCore()


@pytest.fixture
def app(recording_core: RecordingCore) -> web.Application:
    app = web.Application()
    setup_webchat(app, recording_core, max_message_chars=2000)
    return app


async def test_form_is_submitted_in_one_go_and_leaves_the_page(
    page: Any, recording_core: RecordingCore
) -> None:
    form = page.locator("form.bot-form").first
    await form.wait_for()
    assert await form.locator("legend").first.inner_text() == "Signaal"
    assert "(verplicht)" in await form.locator("label").first.inner_text()

    await form.get_by_label("Wat is er gebeurd?").fill("Er werd een grap over mijn geloof gemaakt.")
    await form.get_by_label("Extern").check()
    await form.get_by_label("Een vrouw").check()
    await form.get_by_role("button", name="Versturen").click()

    await page.wait_for_function("() => document.activeElement.classList.contains('message')")
    event = recording_core.received[-1]
    assert (event.kind, event.form) == (Kind.FORM, "signal:report")
    assert dict(event.data) == {
        "what": "Er werd een grap over mijn geloof gemaakt.",
        "who": "external,woman",
    }
    # What was typed is no longer anywhere on the page.
    assert "geloof" not in await page.inner_text("body")
    # The person's own line stands just above the answer it got (which has the focus).
    assert await page.evaluate(
        "() => document.activeElement.previousElementSibling.classList.contains('me')"
    )


async def test_required_field_is_enforced_by_the_browser(
    page: Any, recording_core: RecordingCore
) -> None:
    form = page.locator("form.bot-form").first
    await form.get_by_role("button", name="Versturen").click()
    assert await form.get_by_label("Wat is er gebeurd?").evaluate("el => !el.validity.valid")
    assert [e.kind for e in recording_core.received] == [Kind.START]


async def test_a_receipt_can_be_hidden(page: Any) -> None:
    receipt = page.locator(".message.bot").nth(2)  # the recording core's third reply
    assert "ABCD-EFGH" in await receipt.inner_text()
    await receipt.get_by_role("button", name="Hide").click()
    assert "ABCD-EFGH" not in await page.inner_text("body")
    assert await receipt.evaluate("el => el === document.activeElement")


async def test_a_form_sent_twice_at_once_reaches_the_core_once_and_is_said_once(
    page: Any, recording_core: RecordingCore
) -> None:
    form = page.locator("form.bot-form").first
    await form.wait_for()
    before = len(recording_core.received)
    await form.get_by_label("Wat is er gebeurd?").fill("Twee keer op versturen gedrukt.")
    # A double click, or Enter and a click, in the same moment: two submits in one task.
    await form.evaluate("(f) => { f.requestSubmit(); f.requestSubmit(); }")
    await page.wait_for_function("() => document.activeElement.classList.contains('message')")
    forms = [e for e in recording_core.received[before:] if e.kind is Kind.FORM]
    assert len(forms) == 1
    # One line of the person's own for it (this core always offers the form again, so it
    # says "not sent"), and one answer: the second submit did nothing.
    assert await page.locator(".message.me").all_inner_texts() == ["You:\nNiet verstuurd: Signaal"]
    assert await page.locator("form.bot-form").count() == 1
