"""The page on a 1280×800 desktop and a 375×667 phone, along a real signal: WCAG 2.2 in sight.

Each answer's first line and its buttons are above the message box (2.4.11 Focus Not
Obscured), the phone's first screen holds the whole menu, the focus ring shows for keyboard
users only, touch screens get no Shift+Enter hint, and axe-core finds nothing serious or
critical after any step.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.adapters.webchat.screens import (
    SCREEN_IDS,
    SCREENS,
    axe_findings,
    bot_count,
    in_sight,
    press,
    t,
    walk_a_signal,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("screen", SCREENS, ids=SCREEN_IDS),
]

MENU_KEYS = (
    "menu.options",
    "menu.bystander",
    "menu.signal",
    "menu.follow_up",
    "menu.privacy",
    "menu.crisis",
    "menu.switch_language",
)


async def test_axe_finds_nothing_serious_after_any_step_of_a_signal(page: Any) -> None:
    found: dict[str, list[str]] = {}

    async def check(step: str, first_new: int) -> None:
        findings = await axe_findings(page)
        if findings:
            found[step] = findings

    await walk_a_signal(page, check)
    assert found == {}


async def test_each_answer_shows_its_first_line_and_buttons_above_the_message_box(
    page: Any,
) -> None:
    hidden: list[str] = []

    async def check(step: str, first_new: int) -> None:
        replies = page.locator(".message.bot")
        first_line = replies.nth(first_new).locator(".message-text > *").first
        if not await in_sight(first_line, first_line_only=True):
            hidden.append(f"{step}: first line")
        for index in range(first_new, await bot_count(page)):
            buttons = replies.nth(index).locator(".actions button, .message-tools button")
            for button in await buttons.all():
                if not await in_sight(button):
                    hidden.append(f"{step}: {await button.inner_text()}")

    await walk_a_signal(page, check)
    assert hidden == []


async def test_the_first_screen_shows_every_menu_button_including_the_crisis_button(
    page: Any,
) -> None:
    welcome = page.locator(".message.bot").first
    await welcome.locator(".actions").wait_for()
    # Nothing scrolled away: the page opens at its top.
    scrolled = "(document.getElementById('scroller') || document.scrollingElement).scrollTop"
    assert await page.evaluate(scrolled) == 0
    for key in MENU_KEYS:
        button = welcome.get_by_role("button", name=t(key), exact=True)
        assert await in_sight(button), key
    assert await in_sight(page.locator(".masthead h1"))


async def test_the_keyboard_focus_is_never_under_the_message_box(page: Any) -> None:
    # The signal's long explanation: on a phone far taller than the screen.
    await page.locator(".message.bot .actions").first.wait_for()
    first_new = await press(page, t("menu.signal"))
    answer = page.locator(".message.bot").nth(first_new)
    await answer.focus()
    controls = await answer.locator("a, button").count()
    assert controls >= 4
    for _ in range(controls):
        await page.keyboard.press("Tab")
        focused = page.locator(":focus")
        assert await focused.evaluate(
            "(el, answer) => answer.contains(el)", await answer.element_handle()
        )
        assert await in_sight(focused), await focused.inner_text()


async def test_the_focus_ring_shows_for_keyboard_users_only(page: Any) -> None:
    ring = "el => getComputedStyle(el).outlineStyle !== 'none' && el.matches(':focus-visible')"
    await page.locator(".message.bot .actions").first.wait_for()

    # A click: the answer gets the focus (for screen readers), without a ring.
    first_new = await press(page, t("menu.privacy"))
    answer = page.locator(".message.bot").nth(first_new)
    assert await answer.evaluate("el => el === document.activeElement")
    assert not await answer.evaluate(ring)
    assert await answer.evaluate("el => getComputedStyle(el).outlineStyle") == "none"

    # The keyboard: a ring on the button, and on the answer it leads to.
    button = page.locator(":focus")
    for _ in range(20):
        await page.keyboard.press("Tab")
        if await button.evaluate("el => el.tagName") == "BUTTON":
            break
    assert await button.evaluate(ring)
    before = await bot_count(page)
    await page.keyboard.press("Enter")
    await page.wait_for_function(
        "n => document.querySelectorAll('.message.bot').length > n", arg=before
    )
    await page.wait_for_function("document.activeElement.classList.contains('message')")
    assert await page.locator(":focus").evaluate(ring)


async def test_no_shift_enter_hint_on_a_touch_screen(page: Any, screen: dict[str, Any]) -> None:
    hint = page.locator("#message-hint")
    await page.locator(".message.bot").first.wait_for()
    described = await page.get_attribute("#message", "aria-describedby") or ""
    if screen.get("has_touch"):
        assert not await hint.is_visible()
        assert "message-hint" not in described.split()
        # No Shift key on a touch keyboard: Enter starts a new line, the button sends.
        await page.locator("#message").type("Eerste regel")
        await page.keyboard.press("Enter")
        await page.keyboard.type("tweede regel")
        assert await page.input_value("#message") == "Eerste regel\ntweede regel"
        assert await page.locator(".message.me").count() == 0
    else:
        assert await hint.inner_text() == "Enter verstuurt, Shift+Enter begint een nieuwe regel."
        assert await hint.is_visible()
        assert "message-hint" in described.split()
