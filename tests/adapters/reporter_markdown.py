"""A signal whose reporter wrote markdown, as an adviser opens it: shared by the channels."""

from __future__ import annotations

import html
import re
from datetime import date

from markdown_it import MarkdownIt

from bot.core import Channel, Incoming, Kind, Reply
from bot.router import Router, Session
from bot.signals.content import SignalContent, SignalView, ThreadEntry, ThreadMessage
from dialogs.base import DialogState
from dialogs.effects import OpenSignal, Result
from dialogs.messages import Messages
from dialogs.registry import all_dialogs
from knowledge.base import KnowledgeBase

SIGNAL = "ab" * 16
# Every construct a reporter could use to make the adviser's screen show something else.
EVIL = (
    "![x](http://evil/x.png) [click](http://evil) @all @channel @here ~town-square "
    "`code` **vet** _schuin_ ~~weg~~ <b>html</b> &amp; $x^2$ a|b \\* <http://evil/auto>"
)
EVIL_LINES = "# heading\n> quote\n- item\n1. first\n===\n```\nfence\n```"
WORDS = (EVIL, EVIL_LINES)
# The HTML a CommonMark renderer makes only from markup, never from plain text.
MARKUP_TAGS = re.compile(r"<(a|img|h[1-6]|code|pre|em|strong|del|s|blockquote|ul|ol|li|table|hr)\b")


def adviser_replies(knowledge: KnowledgeBase) -> tuple[Reply, ...]:
    """What an unlocked adviser sees on opening a signal full of the reporter's markdown."""
    router = Router(knowledge, Messages.load(), all_dialogs(), max_chars=2000)
    action = f"adviser:open:{SIGNAL}"
    event = Incoming(Channel.TEAMS, "c-adviser", Kind.ACTION, sender="aad-1", action=action)
    session = Session(lang="nl", lang_chosen=True, state=DialogState("adviser", "inbox"))
    outcome = router.route(event, session, "Adviseur")
    assert isinstance(outcome.effect, OpenSignal)
    content = SignalContent(what=EVIL, hope=EVIL_LINES, contact="**bel** @all", mode="named")
    reporter = ThreadEntry(1, "reporter", date(2026, 12, 1), ThreadMessage(EVIL_LINES))
    adviser = ThreadEntry(2, "adviser", date(2026, 12, 1), ThreadMessage("ok", by="[Ann](x)"))
    view = SignalView(SIGNAL, "open", date(2026, 12, 1), content, (reporter, adviser))
    return router.after(event, outcome, Result(view=view), "Adviseur").replies


def rendered_text(markdown: str) -> tuple[str, str]:
    """(the HTML, its visible text) as a CommonMark renderer with tables and strikethrough."""
    page = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    return page, text
