"""Chooses which dialog answers an event. Pure: no I/O, so every path is tested directly.

Order matters: crisis language is checked before anything else, then a receipt typed in
the message box (set aside unread), then a language switch, then an open form (text typed
beside it is set aside), then the active dialog, then the matcher. Bad input changes nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Protocol

from bot.core import LANGUAGES, Channel, Incoming, Kind, Reply
from bot.seal.receipt_shape import contains_receipt
from bot.stats.categories import TOPICS
from dialogs.answer import section_answer
from dialogs.base import IDLE, Context, Dialog, DialogState, Step, TopicSource
from dialogs.clarify import clarify
from dialogs.crisis import CrisisDialog, interrupted
from dialogs.effects import Effect, Result
from dialogs.menu import back_to_menu, menu_buttons
from dialogs.messages import Messages
from knowledge.language_request import requested_language
from knowledge.model import ROUTE_TOPICS, Match

MAX_ACTION_CHARS = 200
INTAKE_FORM = "signal:intake"  # the signal form shown: the funnel's "signal started"
ADVISER_SESSION = "adviser_session"
MAX_FORM_FIELDS = 30
# A form's own dialog checks each field's length; this only bounds the work on junk.
MAX_FORM_VALUE_CHARS = 8000
# Words in a form are read for crisis language too ("ik wil niet meer leven" in a signal): up
# to the signal's longest field per value and this much in all, so a stranger's junk form
# costs no more than two long messages.
CRISIS_READ_PER_VALUE = 4000
CRISIS_READ_PER_FORM = 8000
# Characters a person cannot see but software acts on: C0/C1 controls (tab and newline stay),
# zero-width and direction marks, embeddings, overrides and isolates (CVE-2021-42574, "Trojan
# Source"), the soft hyphen, word joiner and invisible operators, the byte order mark, the
# interlinear annotation marks, and the tag block U+E0000-U+E007F, which spells hidden ASCII
# (Unicode Technical Standard #39, "Unicode Security Mechanisms", and UAX #9). Lone
# surrogates are no characters at all: JSON's "\ud800" escape makes one, and no UTF-8
# encoder (the database, a reply) can write it. U+E000 and U+E001 are the core's own marks
# around a person's words shown back (bot/core.py, ``user_text``): nobody may type them, or
# a reporter could close the span early and have the rest rendered as markup.
_INVISIBLE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
    r"\u2060-\u2064\u2066-\u2069\ud800-\udfff\ue000\ue001\ufeff\ufff9-\ufffb"
    r"\U000e0000-\U000e007f]"
)
# LINE and PARAGRAPH SEPARATOR end a line in JavaScript and JSON-in-HTML but look like nothing
# in most viewers; as a plain newline they keep the line break the person meant.
_LINE_SEPARATORS = re.compile(r"[\u2028\u2029]")
# There the bot cannot take back the person's own message in a one-to-one chat (Teams lets
# only the sender delete a chat message; a Mattermost bot deletes others' posts only with
# the delete_others_posts permission, which it should not hold), so the person is told they
# may delete it. The web chat hides it itself; a terminal cannot unprint.
_CHANNELS_KEEPING_MESSAGES = frozenset({Channel.TEAMS, Channel.MATTERMOST})
TOPIC_DIALOGS = {
    "options": "options",
    "bystander": "bystander",
    "crisis": "crisis",
    "privacy": "privacy",
    "help": "menu",
    "fallback": "menu",
    **{route: "options" for route in ROUTE_TOPICS},
}
# An adviser's passphrase and a reporter's receipt hold no crisis, and the crisis check
# remembers recent texts (knowledge/normalise.py): they are never read by it.
SECRET_FIELDS = frozenset({"passphrase", "code"})


class Knowledge(TopicSource, Protocol):
    """What the router needs from the knowledge base."""

    def match(self, text: str, lang: str | None = None) -> Match: ...

    def detect_language(self, text: str) -> str | None: ...

    def is_crisis(self, text: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class Session:
    """What the bot remembers of one conversation between turns."""

    lang: str
    lang_chosen: bool = False
    state: DialogState = IDLE
    adviser_session: str = ""  # an unlocked adviser's session id (advisers only)
    # "measure/category" this conversation was already counted in (bot.stats), so that each
    # is counted at most once per conversation; it goes when the conversation expires.
    counted: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Outcome:
    replies: tuple[Reply, ...]
    session: Session
    changed: bool = True  # False: bad input, nothing is stored
    effect: Effect | None = None  # to carry out, then hand to ``Router.after``
    counts: tuple[tuple[str, str], ...] = ()  # what was shown (``Step.counts``)


class Router:
    """Routes one event to a dialog and returns the replies and the next session."""

    def __init__(
        self,
        knowledge: Knowledge,
        messages: Messages,
        dialogs: Mapping[str, Dialog],
        *,
        max_chars: int,
        webchat_url: str = "",
    ) -> None:
        self._knowledge = knowledge
        self._messages = messages
        self._dialogs = dialogs
        self._crisis = CrisisDialog()
        self._max_chars = max_chars
        self._webchat_url = webchat_url

    def route(self, event: Incoming, session: Session, adviser: str = "") -> Outcome:
        """``adviser`` is the name of the registered adviser writing, or empty."""
        ctx = self._context(session.lang, event, adviser)
        if event.kind is Kind.START:
            return self._done(self._start_topic(ctx, "welcome", "menu"), session)
        if event.kind is Kind.ACTION:
            return self._on_action(ctx, event.action, session)
        if event.kind is Kind.FORM:
            return self._on_form(ctx, event, session)
        return self._on_text(ctx, event.text, session)

    def after(
        self, event: Incoming, outcome: Outcome, result: Result, adviser: str = ""
    ) -> Outcome:
        """Let the dialog that asked for ``outcome.effect`` answer with its result."""
        assert outcome.effect is not None
        session = outcome.session
        ctx = self._context(session.lang, event, adviser)
        dialog = self._dialogs[session.state.dialog]
        step = dialog.after(ctx, session.state, outcome.effect, result)
        done = self._done(step, session)
        return replace(
            done, replies=(*outcome.replies, *done.replies), counts=(*outcome.counts, *done.counts)
        )

    def apology(self, lang: str, event: Incoming) -> Reply:
        ctx = self._context(lang, event)
        return ctx.reply(ctx.t("input.apology"), menu_buttons(ctx))

    # -- text -------------------------------------------------------------------------

    def _on_text(self, ctx: Context, raw: str, session: Session) -> Outcome:
        text = clean_text(raw)
        if not text:
            return self._refuse(ctx, session, "input.empty")
        if len(text) > self._max_chars:
            return self._refuse(ctx, session, "input.too_long", limit=str(self._max_chars))
        if self._knowledge.is_crisis(text):
            # In the language it was written in: "ik wil niet meer leven" in an English
            # conversation gets 112 and 113 in Dutch at once (the text is read, not kept).
            session, ctx = self._follow_language(ctx, text, session)
            crisis = self._interrupt(ctx, session.state)
            if contains_receipt(text):
                # 112 and 113 first; the page still hides the code the message held.
                first, *rest = crisis.replies
                crisis = replace(crisis, replies=(replace(first, conceal_input=True), *rest))
            return self._done(crisis, session)
        if contains_receipt(text):
            return self._receipt_typed(ctx, session)
        wanted = language_command(text)
        if wanted:
            return self._switch_language(ctx, wanted, session)
        if self._form_open(session.state):
            # Words meant for the form would be lost in a topic: they are neither matched nor
            # kept (not even to guess their language), and the form on screen stays usable.
            return self._use_the_form(ctx, session)
        session, ctx = self._follow_language(ctx, text, session)
        active = self._dialogs.get(session.state.dialog)
        if active is not None:
            step = active.on_text(ctx, session.state, text)
            if step is not None:
                return self._done(step, session)
        return self._answer_match(ctx, self._knowledge.match(text, ctx.lang), session)

    def _follow_language(
        self, ctx: Context, text: str, session: Session
    ) -> tuple[Session, Context]:
        """Answer in the other language only when a whole message is clearly written in it.

        The same before and after a choice: one word ("sorry", "ok", a name, "meeting") never
        switches, a whole message in the other language always does (issue 11).
        """
        detected = self._knowledge.detect_language(text)
        if detected is None or detected == session.lang:
            return session, ctx
        return replace(session, lang=detected), replace(ctx, lang=detected)

    def _answer_match(self, ctx: Context, match: Match, session: Session) -> Outcome:
        if match.asks:
            return self._done(clarify(ctx, match.choices), session)
        if not match.confident:
            return self._done(self._start_topic(ctx, "fallback", "menu"), session)
        if match.section and ctx.knowledge.has(match.topic, ctx.lang):
            step = section_answer(ctx, match.topic, match.section)
            return self._done(replace(step, counts=shown(match.topic)), session)
        return self._done(self._start_topic(ctx, match.topic), session)

    # -- buttons and forms --------------------------------------------------------------

    def _on_action(self, ctx: Context, action: str, session: Session) -> Outcome:
        if not action or len(action) > MAX_ACTION_CHARS:
            return self._refuse(ctx, session, "input.unknown_action")
        prefix, _, value = action.partition(":")
        if prefix == "topic" and value == "crisis":
            return self._done(self._interrupt(ctx, session.state), session)
        if prefix == "topic" and (value in TOPIC_DIALOGS or self._known_topic(ctx, value)):
            return self._done(self._start_topic(ctx, value), session)
        if prefix == "lang" and value in LANGUAGES:
            return self._switch_language(ctx, value, session)
        if prefix == "crisis" and value == "resume":
            return self._resume(ctx, interrupted(session.state), session)
        if prefix == "form" and value == "again" and self._form_open(session.state):
            return self._resume(ctx, session.state, session)
        dialog = self._dialogs.get(prefix)
        if dialog is None:
            return self._refuse(ctx, session, "input.unknown_action")
        own = session.state if session.state.dialog == prefix else DialogState(dialog=prefix)
        step = dialog.on_action(ctx, own, value)
        if step is None:
            return self._refuse(ctx, session, "input.unknown_action")
        return self._done(step, session)

    def _on_form(self, ctx: Context, event: Incoming, session: Session) -> Outcome:
        prefix, _, form = event.form.partition(":")
        dialog = self._dialogs.get(prefix)
        too_big = len(event.data) > MAX_FORM_FIELDS or any(
            len(value) > MAX_FORM_VALUE_CHARS for value in event.data.values()
        )
        if too_big:
            return self._refuse(ctx, session, "input.too_long", limit=str(MAX_FORM_VALUE_CHARS))
        if dialog is None:
            return self._refuse(ctx, session, "input.unknown_form")
        data = {name: clean_text(value) for name, value in event.data.items()}
        # A crisis answer leaves the form it interrupted usable: sending it resumes the dialog.
        state = interrupted(session.state) if session.state.dialog == "crisis" else session.state
        step = dialog.on_form(ctx, state, form, data) if state.dialog == prefix else None
        if step is None:  # not where the conversation is: say so, and show it again
            step = dialog.offer_again(ctx, form, data)
        if step is None:
            return self._refuse(ctx, session, "input.unknown_form")
        if self._crisis_in(v for k, v in data.items() if k not in SECRET_FIELDS):
            # Whatever the form does (stored, refused, shown again), 112 and 113 come first.
            notice = self._crisis.notice(ctx)
            counts = (*step.counts, *shown("crisis"))
            step = replace(step, replies=(notice, *step.replies), counts=counts)
        return self._done(step, session)

    def _crisis_in(self, values: Iterable[str]) -> bool:
        budget = CRISIS_READ_PER_FORM
        for value in values:
            if budget <= 0:
                return False
            part = value[: min(CRISIS_READ_PER_VALUE, budget)]
            budget -= len(part)
            if part and self._knowledge.is_crisis(part):
                return True
        return False

    def _form_open(self, state: DialogState) -> bool:
        dialog = self._dialogs.get(state.dialog)
        return dialog is not None and dialog.form_open(state)

    def _use_the_form(self, ctx: Context, session: Session) -> Outcome:
        again = ctx.button("input.show_form", "form:again")
        # Leaving the form is always possible: the menu button supersedes it.
        buttons = (again, ctx.button("input.leave_form", "menu:show"))
        aside = Reply(ctx.t("input.use_form"), ctx.lang, buttons, supersedes=False)
        return Outcome((aside,), session, changed=False)

    def _receipt_typed(self, ctx: Context, session: Session) -> Outcome:
        """A receipt in the message box: never matched, kept or shown back; hidden where the
        channel can, and the way to the code form (which hides what is typed) offered."""
        text = ctx.t("follow_up.typed_receipt")
        if ctx.channel in _CHANNELS_KEEPING_MESSAGES:
            text = f"{text} {ctx.t('follow_up.typed_receipt_delete')}"
        buttons = (ctx.button("menu.follow_up", "topic:follow-up"), back_to_menu(ctx))
        # Nothing changed: an open form (the code form, too) stays usable beside this aside.
        reply = Reply(text, ctx.lang, buttons, supersedes=False, conceal_input=True)
        return Outcome((reply,), session, changed=False)

    def _interrupt(self, ctx: Context, state: DialogState) -> Step:
        """The crisis answer; a second one still remembers what the first interrupted."""
        previous = interrupted(state) if state.dialog == "crisis" else state
        step = self._crisis.interrupt(ctx, previous, form_open=self._form_open(previous))
        return replace(step, counts=shown("crisis"))

    # -- shared -----------------------------------------------------------------------------

    def _known_topic(self, ctx: Context, topic: str) -> bool:
        return topic in self._dialogs or ctx.knowledge.has(topic, ctx.lang)

    def _start_topic(self, ctx: Context, topic: str, dialog: str | None = None) -> Step:
        name = dialog or TOPIC_DIALOGS.get(topic) or (topic if topic in self._dialogs else "answer")
        step = self._dialogs[name].start(ctx, topic)
        return replace(step, counts=(*step.counts, *shown(topic)))

    def _switch_language(self, ctx: Context, lang: str, session: Session) -> Outcome:
        ctx = replace(ctx, lang=lang)
        session = replace(session, lang=lang, lang_chosen=True)
        note = ctx.reply(ctx.t("menu.language_switched"))
        step = self._resume_step(ctx, session.state)
        return self._done(Step((note, *step.replies), step.state, step.effect), session)

    def _resume(self, ctx: Context, previous: DialogState, session: Session) -> Outcome:
        return self._done(self._resume_step(ctx, previous), session)

    def _resume_step(self, ctx: Context, state: DialogState) -> Step:
        dialog = self._dialogs.get(state.dialog)
        if dialog is None or state.dialog == "crisis":
            return self._dialogs["menu"].start(ctx, "help")
        return dialog.resume(ctx, state)

    def _refuse(self, ctx: Context, session: Session, key: str, **values: str) -> Outcome:
        # Nothing changed, so the buttons and forms already on screen still apply.
        reply = Reply(ctx.t(key, **values), ctx.lang, menu_buttons(ctx), supersedes=False)
        return Outcome((reply,), session, changed=False)

    def _done(self, step: Step, session: Session) -> Outcome:
        lang = step.replies[-1].lang if step.replies else session.lang
        data = dict(step.state.data)
        # A dialog opens or ends an adviser session by setting this key; it outlives dialogs.
        token = data.pop(ADVISER_SESSION, None)
        state = DialogState(step.state.dialog, step.state.step, MappingProxyType(data))
        next_session = replace(
            session,
            lang=lang,
            state=state,
            adviser_session=session.adviser_session if token is None else token,
        )
        counts = step.counts
        if any(r.form is not None and r.form.id.startswith(INTAKE_FORM) for r in step.replies):
            counts = (*counts, ("funnel", "signal_started"))
        return Outcome(step.replies, next_session, effect=step.effect, counts=counts)

    def _context(self, lang: str, event: Incoming, adviser: str = "") -> Context:
        return Context(
            lang=lang,
            channel=event.channel,
            knowledge=self._knowledge,
            messages=self._messages,
            adviser=adviser,
            webchat_url=self._webchat_url,
        )


def shown(topic: str) -> tuple[tuple[str, str], ...]:
    """What showing ``topic`` counts: the topic if it is a fixed one, the funnel's options."""
    counts = (("topics", topic),) if topic in TOPICS else ()
    return (*counts, ("funnel", "options")) if topic == "options" else counts


def clean_text(raw: str) -> str:
    """Normalise Unicode, drop invisible and control characters, trim."""
    text = _LINE_SEPARATORS.sub("\n", unicodedata.normalize("NFC", raw))
    return _INVISIBLE.sub("", text).strip()


def language_command(text: str) -> str | None:
    """``English please``, ``kun je Nederlands?``: an explicit wish to switch language."""
    return requested_language(text)
