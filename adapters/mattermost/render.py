"""Core :class:`Reply` values to Mattermost posts: markdown text and button attachments.

* Text is Mattermost markdown ("Format messages", docs.mattermost.com/collaborate/
  format-messages.html). What a person wrote (marked by the core, ``bot.core.user_text``) is
  escaped so it shows as typed: see :func:`mattermost_markdown`.
* Buttons are one message attachment with ``actions`` ("Interactive messages",
  developers.mattermost.com/integrate/plugins/interactive-messages/). An action id may only
  be letters and digits (the server routes ``/posts/{post_id}/actions/{action_id:[A-Za-z0-9]+}``,
  mattermost/mattermost#21939) and must be unique within its post; its
  ``integration.context`` carries our signed token, because the server does not sign the
  callback. Every button of one post shares one nonce: the post is answered once.
* A form is its text plus a button that opens the dialog (a dialog can only be opened with
  the ``trigger_id`` of a button press or slash command); a receipt gets a "hide" button.
* A message is at most 4,000 runes on a server whose database was never migrated
  (``PostMessageMaxRunesV1``; 16,383 after it, ``PostMessageMaxRunesV2``,
  server/public/model/post.go), so longer text becomes several posts.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from adapters.commonmark import escape_commonmark
from adapters.mattermost.forms import form_spec
from adapters.mattermost.signing import CallbackSigner
from bot.core import Reply, user_spans

MAX_MESSAGE_RUNES = 4000
FORM_LABEL = {"nl": "Formulier openen", "en": "Open the form"}
HIDE_LABEL = {"nl": "Verberg de code", "en": "Hide the code"}
CHOSEN_MARK = "✓"
# U+200B ZERO WIDTH SPACE: not a letter or digit, so the server's mention parser splits the
# word there (``app/mention_parser_standard.go`` keeps only letters, digits and ":.-_@" in
# a word) and the web app's ``@name`` and ``~channel`` patterns find no name after it.
_ZERO_WIDTH_SPACE = "\u200b"
# "@all", "@channel", "@here", "@name" and "~channel": a sign after anything but a letter or
# digit ("jan@example.nl" is no mention), before a letter or digit. A backslash does not
# help: both the server and the web app look for mentions in the text *after* markdown.
_MENTION = re.compile(r"(?<![^\W_])([@~])(?=[^\W_])")
# A bare link is previewed: the server fetches the page of a link pasted as text
# (mattermost/mattermost#26951) and the app shows images inline, so a reporter's URL would
# be fetched when the adviser opens the signal. Broken before "://", it stays readable.
_LINK = re.compile(
    r"(?i)(?<=[a-z0-9])(?=://)|(?:(?<=\bmailto)|(?<=\btel)|(?<=\bcallto)|(?<=\bsms))(?=:)"
)


@dataclass(frozen=True, slots=True)
class OutgoingPost:
    message: str
    props: dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Button:
    label: str
    kind: str
    value: str
    form: dict[str, Any] | None = None
    primary: bool = False


def to_posts(
    replies: Sequence[Reply],
    *,
    conversation: str,
    user: str,
    signer: CallbackSigner,
    actions_url: str,
    nonce: str | None = None,
) -> list[OutgoingPost]:
    """The posts for a turn's replies, in order.

    ``nonce`` fixes the nonces (tests): the first post with buttons gets it, later ones
    ``nonce-1``, ``nonce-2``. Otherwise each gets a fresh random one.
    """
    posts: list[OutgoingPost] = []
    with_buttons = 0
    for reply in replies:
        buttons = _buttons(reply)
        chunks = split_message(mattermost_markdown(reply.text), MAX_MESSAGE_RUNES)
        posts.extend(OutgoingPost(chunk, {}) for chunk in chunks[:-1])
        props: dict[str, Any] = {}
        if buttons:
            post_nonce = _nonce(nonce, with_buttons)
            with_buttons += 1
            grants = _Grants(signer, conversation, user, post_nonce, actions_url)
            props = {"attachments": [grants.attachment(buttons)]}
        posts.append(OutgoingPost(chunks[-1], props))
    return posts


def disabled(props: Mapping[str, Any], chosen_label: str) -> dict[str, Any]:
    """The props that replace a pressed post's: no buttons left, one line of what was chosen."""
    attachments = props.get("attachments")
    items = (
        [dict(item) for item in attachments if isinstance(item, Mapping)]
        if isinstance(attachments, list)
        else []
    )
    items = items or [{}]
    for item in items:
        item.pop("actions", None)
    items[-1].update(
        text=f"{CHOSEN_MARK} {mattermost_markdown(chosen_label, trusted=False)}",
        fallback=f"{CHOSEN_MARK} {chosen_label}",
    )
    return {**props, "attachments": items}


def without_buttons(props: object) -> dict[str, Any]:
    """The props of a superseded post: every attachment without its ``actions``; an
    attachment left with nothing but its ``fallback`` (the button labels) goes too."""
    kept = dict(props) if isinstance(props, Mapping) else {}
    attachments = kept.get("attachments")
    items = [
        {key: value for key, value in item.items() if key != "actions"}
        for item in (attachments if isinstance(attachments, list) else [])
        if isinstance(item, Mapping)
    ]
    kept["attachments"] = [item for item in items if set(item) - {"fallback", "id"}]
    return kept


def mattermost_markdown(text: str, *, trusted: bool = True) -> str:
    """Our markdown as written; a person's words (or all of ``text`` if not trusted) literal."""
    if not trusted:
        return _literal(text)
    return "".join(_literal(part) if theirs else part for theirs, part in user_spans(text))


def split_message(text: str, max_runes: int) -> list[str]:
    """Pieces of at most ``max_runes`` characters, cut at the gentlest boundary; never empty."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > max_runes:
        cut = _cut_point(rest, max_runes)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    pieces.append(rest)
    return pieces


def _literal(words: str) -> str:
    escaped = escape_commonmark(words)
    escaped = _MENTION.sub(rf"\1{_ZERO_WIDTH_SPACE}", escaped)
    return _LINK.sub(_ZERO_WIDTH_SPACE, escaped)


def _cut_point(text: str, limit: int) -> int:
    window = text[:limit]
    for separator in ("\n\n", "\n", ". ", " "):
        found = window.rfind(separator)
        if found > limit // 2:
            return found + len(separator)
    # No gentle place: never cut between a backslash and the character it escapes.
    cut = limit
    while cut > 1 and _escapes_next(text, cut):
        cut -= 1
    return cut


def _escapes_next(text: str, cut: int) -> bool:
    """True if the text before ``cut`` ends in an odd run of backslashes."""
    head = text[:cut]
    return (len(head) - len(head.rstrip("\\"))) % 2 == 1


def _buttons(reply: Reply) -> list[_Button]:
    buttons: list[_Button] = []
    if reply.form is not None:
        label = FORM_LABEL.get(reply.lang, FORM_LABEL["en"])
        buttons.append(_Button(label, "form", reply.form.id, form_spec(reply.form), True))
    buttons.extend(_Button(button.label, "action", button.action) for button in reply.buttons)
    if reply.sensitive and reply.form is None:
        buttons.append(_Button(HIDE_LABEL.get(reply.lang, HIDE_LABEL["en"]), "hide", reply.lang))
    return buttons


def _nonce(fixed: str | None, index: int) -> str:
    if fixed is None:
        return secrets.token_urlsafe(12)
    return fixed if index == 0 else f"{fixed}-{index}"


@dataclass(frozen=True, slots=True)
class _Grants:
    signer: CallbackSigner
    conversation: str
    user: str
    nonce: str
    url: str

    def attachment(self, buttons: Sequence[_Button]) -> dict[str, Any]:
        return {
            "fallback": " | ".join(button.label for button in buttons),
            "actions": [self._action(index, button) for index, button in enumerate(buttons)],
        }

    def _action(self, index: int, button: _Button) -> dict[str, Any]:
        grant = self.signer.grant(
            button.kind,
            button.value,
            conversation=self.conversation,
            user=self.user,
            nonce=self.nonce,
            form=button.form,
        )
        return {
            "id": f"b{index}",
            "type": "button",
            "name": button.label,
            "style": "primary" if button.primary else "default",
            "integration": {"url": self.url, "context": {"t": self.signer.sign(grant)}},
        }
