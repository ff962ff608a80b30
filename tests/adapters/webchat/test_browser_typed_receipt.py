"""In the browser: a receipt typed in the message box leaves no trace on the page."""

from __future__ import annotations

from typing import Any

import pytest

from dialogs.messages import Messages

pytestmark = pytest.mark.browser

T = Messages.load()
RECEIPT = "7F60-GJRX-1EJS-Y89K-FZ36-J"


async def send(page: Any, typed: str) -> None:
    replies = await page.locator(".message.bot").count()
    await page.fill("#message", typed)
    await page.press("#message", "Enter")
    await page.locator(".message.bot").nth(replies).wait_for()


async def assert_no_receipt_on_the_page(page: Any) -> None:
    mine = page.locator(".message.me").last
    assert "Ontvangstcode verborgen" in await mine.inner_text()
    shown = "".join(c for c in (await page.inner_text("body")).upper() if c.isalnum())
    assert "7F60GJRX1EJSY89KFZ36J" not in shown
    assert RECEIPT not in await page.content()
    assert await page.input_value("#message") == ""


async def test_a_receipt_typed_in_the_message_box_is_hidden_in_the_bubble(page: Any) -> None:
    await page.locator(".message.bot").first.wait_for()
    await send(page, f"mijn ontvangstcode is {RECEIPT}")
    answer = page.locator(".message.bot").last
    assert T.text("nl", "follow_up.typed_receipt") in await answer.inner_text()
    await assert_no_receipt_on_the_page(page)
    # Its button opens the code form, empty.
    await answer.get_by_role("button", name=T.text("nl", "menu.follow_up")).click()
    form = page.locator("form.bot-form").last
    await form.wait_for()
    assert await form.locator("input").first.input_value() == ""


async def test_a_receipt_typed_beside_the_open_code_form_is_hidden_too(page: Any) -> None:
    await page.locator(".message.bot").first.wait_for()
    await page.get_by_role("button", name=T.text("nl", "menu.follow_up")).first.click()
    form = page.locator("form.bot-form").last
    await form.wait_for()
    await send(page, RECEIPT.replace("-", " ").lower())
    await assert_no_receipt_on_the_page(page)
    assert await form.locator("fieldset").first.is_enabled(), "the code form stays usable"


async def test_an_ordinary_message_stays_in_its_bubble(page: Any) -> None:
    await page.locator(".message.bot").first.wait_for()
    await send(page, "Ik woon op postcode 1234 AB")
    assert "Ik woon op postcode 1234 AB" in await page.locator(".message.me").last.inner_text()
