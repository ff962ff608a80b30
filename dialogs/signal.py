"""Leaving a signal: the honest anonymity level first, then one form, then the receipt."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from bot.core import LANGUAGES, Choice, FieldKind, Form, FormField, Reply
from bot.signals.content import SignalContent
from dialogs.base import IDLE, BaseDialog, Context, DialogState, Step, paragraphs, section_text
from dialogs.effects import Directory, Effect, LoadDirectory, Result, SubmitSignal
from dialogs.menu import back_to_menu
from dialogs.prefill import prefilled
from dialogs.privacy import PLATFORM_NAMES, where_you_are

MODES = ("anonymous", "named")
KINDS = ("discrimination", "racism", "sexual", "bullying", "aggression", "other")
ROLES = ("target", "witness", "both")
WHEN = ("ongoing", "week", "month", "earlier")
MAX_WHAT = 4000
MAX_SHORT = 1000
MAX_CONTACT = 300


class SignalDialog(BaseDialog):
    """start → choose anonymous or named → intake form → sealed, receipt shown once."""

    name = "signal"

    def start(self, ctx: Context, arg: str) -> Step:
        topic = ctx.topic("signal")
        parts = [topic.intro, section_text(topic, "levels"), where_you_are(ctx)]
        if ctx.channel in PLATFORM_NAMES:
            parts.append(ctx.t("signal.use_webchat", url=ctx.webchat_url))
        parts += [section_text(topic, "harder"), ctx.t("signal.choose")]
        buttons = (
            ctx.button("signal.anonymous", "signal:mode:anonymous"),
            ctx.button("signal.named", "signal:mode:named"),
            ctx.button("menu.privacy", "topic:privacy"),
            back_to_menu(ctx),
        )
        return Step((ctx.reply(paragraphs(*parts), buttons),), DialogState(self.name, "intro"))

    def on_action(self, ctx: Context, state: DialogState, value: str) -> Step | None:
        kind, _, mode = value.partition(":")
        if kind == "mode" and mode in MODES:
            return self._load_form(mode)
        return None

    def form_open(self, state: DialogState) -> bool:
        return state.step == "form" and state.data.get("mode", "") in MODES

    def on_form(
        self, ctx: Context, state: DialogState, form: str, data: Mapping[str, str]
    ) -> Step | None:
        mode = state.data.get("mode", "")
        # "intake" alone is the id of a form shown before the id said its mode.
        if form not in ("intake", f"intake:{mode}") or not self.form_open(state):
            return None
        problem, content = read_intake(data, mode, ctx.lang, state.data)
        if problem:
            return self._load_form(mode, data, problem)
        assert content is not None
        sending = state.at("sending")  # keeps the form's choices, should it come back busy
        return Step((), sending, SubmitSignal(content))

    def offer_again(self, ctx: Context, form: str, data: Mapping[str, str]) -> Step | None:
        kind, _, mode = form.partition(":")
        if kind != "intake" or mode not in MODES:
            return None
        return self._load_form(mode, data, "input.not_sent")

    def resume(self, ctx: Context, state: DialogState) -> Step:
        mode = state.data.get("mode", "")
        if state.step in ("form", "sending") and mode in MODES:
            return self._load_form(mode)  # the same form again, with today's directory
        return self.start(ctx, "")

    def _load_form(self, mode: str, keep: Mapping[str, str] | None = None, note: str = "") -> Step:
        state = DialogState(self.name, "form").at("form", mode=mode)
        return Step((), state, LoadDirectory(mode, MappingProxyType(dict(keep or {})), note))

    def after(self, ctx: Context, state: DialogState, effect: Effect, result: Result) -> Step:
        if isinstance(effect, LoadDirectory) and result.directory is not None:
            if not result.directory.advisers:  # told before the reporter writes a word
                return self._nobody(ctx)
            return self._form(ctx, effect, result.directory, state)
        if result.ok and result.receipt:
            return self._receipt(ctx, result.receipt, state)
        if result.error == "busy":  # nothing stored; the same form, still on screen, may be sent
            busy = Reply(ctx.t("signal.busy"), ctx.lang, supersedes=False)
            return Step((busy,), state.at("form"))
        if result.error == "no_adviser":
            return self._nobody(ctx)
        return Step((ctx.reply(ctx.t("input.apology"), (back_to_menu(ctx),)),), IDLE)

    def _nobody(self, ctx: Context) -> Step:
        # Only where to find an adviser: the topic's own next step invites a signal here.
        text = ctx.t("signal.no_adviser", contact=ctx.contact("confidential-adviser"))
        return Step((ctx.reply(text, (back_to_menu(ctx),)),), IDLE)

    def _form(
        self, ctx: Context, effect: LoadDirectory, directory: Directory, state: DialogState
    ) -> Step:
        form = prefilled(intake_form(ctx, effect.mode, directory), effect.keep)
        allowed = {
            "units": "\x1f".join(directory.units),
            "advisers": "\x1f".join(a for a, _ in directory.advisers),
            "attributes": "\x1f".join(directory.attributes),
        }
        reply = Reply(text=form.title, lang=ctx.lang, form=form)
        limits = {"what": str(MAX_WHAT), "short": str(MAX_SHORT)}
        notes = (ctx.reply(ctx.t(effect.note, **limits)),) if effect.note else ()
        return Step((*notes, reply), state.at("form", **allowed))

    def _receipt(self, ctx: Context, receipt: str, state: DialogState) -> Step:
        key = "signal.stored_named" if state.data.get("mode") == "named" else "signal.receipt"
        parts = [ctx.t("signal.receipt_advice")]
        if ctx.channel in PLATFORM_NAMES:
            parts.append(ctx.t("signal.receipt_platform", platform=PLATFORM_NAMES[ctx.channel]))
        sensitive = Reply(ctx.t(key, receipt=receipt), ctx.lang, sensitive=True)
        advice = ctx.reply(
            paragraphs(*parts), (ctx.button("menu.follow_up", "topic:follow-up"), back_to_menu(ctx))
        )
        # The conversation keeps nothing that says a signal was left here.
        return Step((sensitive, advice), IDLE)


def intake_form(ctx: Context, mode: str, directory: Directory) -> Form:
    def choices(prefix: str, values: tuple[str, ...]) -> tuple[Choice, ...]:
        return tuple(Choice(v, ctx.t(f"signal.{prefix}_{v}")) for v in values)

    fields = [
        FormField(
            "what",
            ctx.t("signal.what"),
            FieldKind.TEXTAREA,
            True,
            MAX_WHAT,
            ctx.t("signal.what_hint"),
        ),
        FormField("kinds", ctx.t("signal.kinds"), FieldKind.MULTI, choices=choices("kind", KINDS)),
        FormField(
            "role", ctx.t("signal.role"), FieldKind.CHOICE, True, choices=choices("role", ROLES)
        ),
        FormField("when", ctx.t("signal.when"), FieldKind.CHOICE, choices=choices("when", WHEN)),
    ]
    if directory.units:
        units = tuple(Choice(unit, unit) for unit in directory.units)
        fields.append(FormField("unit", ctx.t("signal.unit"), FieldKind.CHOICE, choices=units))
        yes_no = (Choice("yes", ctx.t("signal.yes")), Choice("no", ctx.t("signal.no")))
        fields.append(
            FormField(
                "outside_unit", ctx.t("signal.outside_unit"), FieldKind.CHOICE, choices=yes_no
            )
        )
    fields.append(FormField("hope", ctx.t("signal.hope"), FieldKind.TEXTAREA, max_length=MAX_SHORT))
    # The conversation's own language first, then the rest in the project's order.
    offered = sorted(
        (lang for lang in set(directory.languages) if lang in LANGUAGES),
        key=lambda lang: (lang != ctx.lang, LANGUAGES.index(lang)),
    )
    languages = tuple(Choice(lang, ctx.t(f"signal.lang_{lang}")) for lang in offered)
    if len(languages) > 1:
        fields.append(
            FormField(
                "adviser_language",
                ctx.t("signal.adviser_language"),
                FieldKind.CHOICE,
                choices=languages,
            )
        )
    if directory.attributes:
        wishes = tuple(Choice(attribute, attribute) for attribute in directory.attributes)
        fields.append(
            FormField(
                "adviser_attributes",
                ctx.t("signal.adviser_attributes"),
                FieldKind.MULTI,
                choices=wishes,
            )
        )
    if len(directory.advisers) > 1:
        names = tuple(Choice(adviser_id, name) for adviser_id, name in directory.advisers)
        fields.append(FormField("exclude", ctx.t("signal.exclude"), FieldKind.MULTI, choices=names))
    if mode == "named":
        fields.append(
            FormField(
                "contact",
                ctx.t("signal.contact"),
                FieldKind.TEXT,
                True,
                MAX_CONTACT,
                ctx.t("signal.contact_hint"),
            )
        )
    title = ctx.t(f"signal.form_title_{mode}")
    return Form(f"signal:intake:{mode}", title, tuple(fields), ctx.t("signal.submit"))


def read_intake(
    data: Mapping[str, str], mode: str, lang: str, allowed: Mapping[str, str]
) -> tuple[str, SignalContent | None]:
    """Check the submitted fields; returns a message key for the first problem, or the content."""
    what = data.get("what", "").strip()
    if not what:
        return "signal.missing_what", None
    if data.get("role", "") not in ROLES:
        return "signal.missing_role", None
    contact = data.get("contact", "").strip()
    if mode == "named" and not contact:
        return "signal.missing_contact", None
    if len(what) > MAX_WHAT or len(data.get("hope", "")) > MAX_SHORT or len(contact) > MAX_CONTACT:
        return "signal.too_long", None
    kinds = _many(data.get("kinds", ""))
    exclude = _many(data.get("exclude", ""))
    wishes = _many(data.get("adviser_attributes", ""))
    units = set(filter(None, allowed.get("units", "").split("\x1f")))
    advisers = set(filter(None, allowed.get("advisers", "").split("\x1f")))
    attributes = set(filter(None, allowed.get("attributes", "").split("\x1f")))
    unit = data.get("unit", "")
    checks = (
        set(kinds) <= set(KINDS),
        set(exclude) <= advisers,
        set(wishes) <= attributes,
        not unit or unit in units,
        data.get("when", "") in ("", *WHEN),
        data.get("outside_unit", "") in ("", "yes", "no"),
        data.get("adviser_language", "") in ("", "nl", "en"),
    )
    if not all(checks):
        return "signal.bad_choice", None
    return "", SignalContent(
        what=what,
        mode=mode,
        when=data.get("when", ""),
        unit=unit,
        kinds=kinds,
        role=data["role"],
        hope=data.get("hope", "").strip(),
        contact=contact if mode == "named" else "",
        lang=lang,
        exclude=exclude,
        outside_unit=data.get("outside_unit") == "yes",
        adviser_language=data.get("adviser_language", ""),
        adviser_attributes=wishes,
    )


def _many(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())
