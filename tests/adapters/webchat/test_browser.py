"""The page in a real headless Chromium against the real app: chat, buttons, language, privacy.

The ``page`` fixture (conftest) fails a test on any script error, CSP violation or
request that leaves the app.
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


async def bot_messages(page: Any) -> int:
    count: int = await page.locator(".message.bot").count()
    return count


async def wait_for_more_bot_messages(page: Any, than: int) -> None:
    await page.wait_for_function(
        "n => document.querySelectorAll('.message.bot').length > n", arg=than
    )


async def test_chat_in_the_browser(page: Any) -> None:
    await page.locator(".message.bot").first.wait_for()
    assert await page.get_attribute("html", "lang") == "nl"

    # Type a question; the bot answers and focus stays in the field.
    before = await bot_messages(page)
    await page.fill("#message", "Wat kan ik doen als een collega grappen maakt over mijn afkomst?")
    await page.press("#message", "Enter")
    await wait_for_more_bot_messages(page, before)
    assert await page.locator(".message.me").last.inner_text() != ""
    assert await page.eval_on_selector("#message", "el => el === document.activeElement")
    assert await page.input_value("#message") == ""

    # Press the first button of the last answer; the new answer gets focus.
    before = await bot_messages(page)
    await page.locator(".message.bot .actions button").last.click()
    await wait_for_more_bot_messages(page, before)
    assert await page.evaluate("document.activeElement.classList.contains('message')")

    # Switch language from the header.
    before = await bot_messages(page)
    await page.click("#switch-language")
    await wait_for_more_bot_messages(page, before)
    await page.wait_for_function("document.documentElement.lang === 'en'")
    assert await page.locator(".message.bot").last.get_attribute("lang") == "en"
    assert await page.inner_text("#clear-conversation") == "Clear conversation"

    # Nothing but the conversation token is kept in the browser.
    assert await page.context.cookies() == []
    assert await page.evaluate("localStorage.length") == 0
    storage = await page.evaluate("Object.keys(sessionStorage)")
    assert storage == ["meldwijzer.conversation"]
    token = await page.evaluate("sessionStorage.getItem('meldwijzer.conversation')")

    # A reload keeps the conversation (not its messages) and offers the menu.
    await page.reload()
    await page.locator(".message.system").wait_for()
    assert await page.evaluate("sessionStorage.getItem('meldwijzer.conversation')") == token
    await page.get_by_role("button", name="Menu").click()
    await page.locator(".message.bot").first.wait_for()

    # Clearing empties the page and starts a new conversation with a new token.
    await page.click("#clear-conversation")
    await page.locator(".message.bot").first.wait_for()
    assert await page.locator(".message.me").count() == 0
    new_token = await page.evaluate("sessionStorage.getItem('meldwijzer.conversation')")
    assert new_token and new_token != token


async def test_bot_text_is_never_parsed_as_html(page: Any) -> None:
    await page.locator(".message.bot").first.wait_for()
    before = await bot_messages(page)
    await page.fill("#message", "<img src=x onerror=alert(1)> **vet**")
    await page.press("#message", "Enter")
    await wait_for_more_bot_messages(page, before)
    assert await page.locator("#log img").count() == 0
    assert "<img src=x" in await page.locator(".message.me").last.inner_text()


# What Chromium logs for any answer with status 404 to a fetch.
NOT_FOUND_CONSOLE_ERROR = (
    "Failed to load resource: the server responded with a status of 404 (Not Found)"
)
EXPIRED = {
    "nl": "Dit gesprek was verlopen",
    "en": "This conversation had expired",
}


async def test_an_expired_conversation_starts_afresh_and_keeps_what_was_typed(
    page: Any, expected_console_errors: list[str]
) -> None:
    expected_console_errors.append(NOT_FOUND_CONSOLE_ERROR)
    await page.locator(".message.bot").first.wait_for()
    for lang in ("nl", "en"):
        if lang == "en":  # the page follows the browser's language on load
            await page.add_init_script(
                "Object.defineProperty(navigator, 'languages', {get: () => ['en-GB']})"
            )
        # A token the server no longer knows: too old, or of the format before a day-stamp.
        await page.evaluate("sessionStorage.setItem('meldwijzer.conversation', 'A'.repeat(32))")
        await page.reload()
        await page.locator(".message.system").wait_for()  # "your conversation continues"
        assert await page.get_attribute("html", "lang") == lang
        await page.fill("#message", "Mijn vraag")
        await page.press("#message", "Enter")
        await page.locator(".message.bot").first.wait_for()  # the new conversation's greeting
        note = page.locator(".message.system").last
        assert (await note.inner_text()).startswith(EXPIRED[lang])
        token = await page.evaluate("sessionStorage.getItem('meldwijzer.conversation')")
        assert token and len(token) == 40
        assert await page.input_value("#message") == "Mijn vraag"  # to send again
        assert await page.locator(".message.problem").count() == 0
