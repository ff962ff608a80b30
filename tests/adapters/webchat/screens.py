"""The two screens of the issue, what is in sight on them, axe-core, and a signal step by step.

"In sight" means inside the scrolling conversation, which ends where the message box begins
(the box lies below it, never over it), and not under the newest answer's buttons, which
stay at the bottom while a long answer is read (chat.css, ``.newest``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from axe_playwright_python.async_playwright import Axe

from dialogs.messages import Messages

MESSAGES = Messages.load()

DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {
    "viewport": {"width": 375, "height": 667},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
SCREENS = [DESKTOP, PHONE]
SCREEN_IDS = ["1280x800", "375x667"]


def t(key: str) -> str:
    """An interface text in Dutch, the page's language in these tests."""
    return MESSAGES.text("nl", key)


# Where an element's box lies against the part of the conversation one can see; for a text
# block, only its first line counts.
_PLACE = """
(el, firstLineOnly) => {
  const scroller = document.getElementById('scroller');
  const view = scroller ? scroller.getBoundingClientRect() : {top: 0, bottom: innerHeight};
  const box = document.getElementById('composer').getBoundingClientRect();
  const rect = el.getBoundingClientRect();
  const lineHeight = parseFloat(getComputedStyle(el).lineHeight) || 24;
  const bottom = firstLineOnly ? rect.top + lineHeight : rect.bottom;
  const held = [...document.querySelectorAll('.message.newest .actions')]
    .filter(bar => !bar.contains(el))
    .map(bar => bar.getBoundingClientRect().top);
  const floor = Math.min(view.bottom, box.top, ...held);
  return {top: rect.top, bottom, ceiling: view.top, floor, boxTop: box.top};
}
"""


async def in_sight(element: Any, *, first_line_only: bool = False) -> bool:
    place = await element.evaluate(_PLACE, first_line_only)
    slack = 0.5  # sub-pixel rounding
    return bool(
        place["top"] >= place["ceiling"] - slack and place["bottom"] <= place["floor"] + slack
    )


async def bot_count(page: Any) -> int:
    count: int = await page.locator(".message.bot").count()
    return count


async def press(page: Any, label: str) -> int:
    """Presses a button of the newest answer; returns the index of the first reply it gets."""
    before = await bot_count(page)
    button = page.locator(".message.bot .actions button:enabled", has_text=label).last
    await button.click()
    await page.wait_for_function(
        "n => document.querySelectorAll('.message.bot').length > n"
        " && !document.getElementById('log').hasAttribute('aria-busy')",
        arg=before,
    )
    return before


async def submit_form(page: Any, fill: Callable[[Any], Awaitable[None]]) -> int:
    before = await bot_count(page)
    form = page.locator("form.bot-form").last
    await fill(form)
    await form.locator("button[type=submit]").click()
    await page.wait_for_function(
        "n => document.querySelectorAll('.message.bot').length > n"
        " && !document.getElementById('log').hasAttribute('aria-busy')",
        arg=before,
    )
    return before


async def fill_signal(form: Any) -> None:
    await form.get_by_label(t("signal.what")).fill(
        "Een collega maakt steeds grappen over mijn afkomst, ook in het teamoverleg."
    )
    await form.get_by_label(t("signal.role_target")).check()


async def walk_a_signal(page: Any, check: Callable[[str, int], Awaitable[None]]) -> None:
    """Welcome, mode choice, form, receipt, follow-up: ``check(step, first_new)`` after each."""
    await page.locator(".message.bot").first.wait_for()
    await page.wait_for_function("!document.getElementById('log').hasAttribute('aria-busy')")
    await check("welcome", 0)
    await check("mode choice", await press(page, t("menu.signal")))
    await check("form", await press(page, t("signal.anonymous")))
    await check("receipt", await submit_form(page, fill_signal))
    code = await page.locator(".message.bot:has(.message-tools) strong").last.inner_text()
    await check("follow-up", await press(page, t("menu.follow_up")))

    async def fill_code(form: Any) -> None:
        await form.get_by_label(t("follow_up.code")).fill(code)

    await check("follow-up read", await submit_form(page, fill_code))


# WCAG 2.0, 2.1 and 2.2 A and AA, and Deque's best practices.
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}


async def axe_findings(page: Any) -> list[str]:
    """The serious and critical axe-core findings on the page as it is now."""
    results = await Axe().run(page, options=AXE_OPTIONS)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
