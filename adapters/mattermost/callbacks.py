"""``POST /api/mattermost/actions`` and ``/api/mattermost/dialogs``: button presses and forms.

The server POSTs a button's ``integration.context`` back to us with the user, channel and
post it was pressed in, and a dialog's ``state`` with its submission
(developers.mattermost.com/integrate/plugins/interactive-messages and /interactive-dialogs).
Nothing in either is trusted until our signature over the context or state checks out, and
the user and channel the server names match the ones it was signed for. Then the post's
nonce is claimed once (:class:`OnceStore`) before the turn runs, so the same press arriving
twice, on one replica or two, runs the core once.

Answers (``DoPostActionWithCookie`` in server/channels/app/integration_action.go):
* anything but 200 is an error for the server and changes nothing, so a forged request
  gets 403 and a malformed one 400;
* a refusal the person should understand (expired, already used, someone else's button)
  is a 200 with ``ephemeral_text``, shown to that person only; ``skip_slack_parsing`` keeps
  the server from rewriting ``<…>`` in it as Slack links;
* ``update`` replaces the post: ``UpdatePost`` copies its ``message`` even when empty and
  its ``props`` whole when given (server/channels/app/post.go), so the update carries the
  post's message as read over REST and the props with the buttons taken out.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from aiohttp import web

from adapters.mattermost.forms import form_from_spec, form_spec, from_submission, to_dialog
from adapters.mattermost.once import OnceStore
from adapters.mattermost.render import disabled
from adapters.mattermost.request_body import (
    CallbackRejected,
    problem_response,
    read_json_object,
    text_field,
)
from adapters.mattermost.rest import MattermostApi, MattermostApiError
from adapters.mattermost.signing import CallbackSigner, Grant
from adapters.mattermost.turn import MattermostTurn, PostedReply
from bot.core import Channel, FieldKind, Incoming, Kind, language_of
from bot.errors import CallbackRefused

log = logging.getLogger(__name__)

ACTIONS_PATH = "/api/mattermost/actions"
DIALOGS_PATH = "/api/mattermost/dialogs"
# Refusals that mean the request was not made by the server for one of our posts.
FORGED = frozenset({"malformed", "forged", "wrong_kind"})
KINDS = ("action", "form", "hide")
NONCE = "nonce"
# Replicas' clocks differ (NTP keeps them within a second; a few minutes covers a replica
# whose time daemon stopped): a claim is kept that much longer than its grant is valid, so
# no replica still accepting a button meets a claim that has already lapsed.
CLOCK_SKEW = timedelta(minutes=10)
# Mattermost keeps a post's earlier versions (its edit history, and the database), so the
# text says where the code may still be, as the Teams channel does.
HIDDEN = {
    "nl": "De code is hier verborgen. Mattermost kan zelf nog een kopie bewaren.",
    "en": "The code is hidden here. Mattermost may still keep a copy of its own.",
}
# Plain text in both languages: the refusal comes before we know whose button it is.
REFUSALS = {
    "expired": "Deze knop is verlopen. Stuur me een bericht om verder te gaan. / "
    "This button has expired. Send me a message to continue.",
    "used": "Deze knop is al gebruikt. / This button has already been used.",
    "wrong_user": "Deze knop is niet voor jou. / This button is not for you.",
    "wrong_channel": "Deze knop hoort niet bij dit gesprek. / "
    "This button does not belong to this conversation.",
    "required": "Vul dit in. / Please fill this in.",
    "failed": "Sorry, er ging iets mis aan mijn kant. Probeer het later opnieuw. / "
    "Sorry, something went wrong on my side. Please try again later.",
}


class MattermostCallbacks:
    """Handles the two callback endpoints; see the module docstring for the answers."""

    def __init__(
        self,
        turn: MattermostTurn,
        api: MattermostApi,
        signer: CallbackSigner,
        once: OnceStore,
        *,
        dialogs_url: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._turn = turn
        self._api = api
        self._signer = signer
        self._once = once
        self._dialogs_url = dialogs_url
        self._clock = clock

    async def on_action(self, request: web.Request) -> web.Response:
        try:
            payload = await read_json_object(request)
            user, channel = text_field(payload, "user_id"), text_field(payload, "channel_id")
            post_id = text_field(payload, "post_id")
            context = payload.get("context")
            token = context.get("t") if isinstance(context, Mapping) else None
            if not isinstance(token, str):
                raise CallbackRejected(400, "bad_shape")
            try:
                grant = self._signer.verify(token, kind=KINDS, conversation=channel, user=user)
            except CallbackRefused as refused:
                return self._refused(refused.reason)
            return await self._pressed(grant, token, payload, post_id)
        except CallbackRejected as rejected:
            return problem_response(rejected.status, rejected.code)
        except Exception as exc:  # outside the turn (storage, REST): answer, log the type
            log.error("mattermost action failed: %s", type(exc).__name__)
            return _ephemeral(REFUSALS["failed"])

    async def on_dialog(self, request: web.Request) -> web.Response:
        try:
            payload = await read_json_object(request)
            user, channel = text_field(payload, "user_id"), text_field(payload, "channel_id")
            state = payload.get("state")
            if not isinstance(state, str) or not state:
                raise CallbackRejected(400, "bad_shape")
            submission = payload.get("submission")
            cancelled = payload.get("cancelled") is True
            if not cancelled and not isinstance(submission, Mapping):
                raise CallbackRejected(400, "bad_shape")
            try:
                grant = self._signer.verify(state, kind="form", conversation=channel, user=user)
            except CallbackRefused as refused:
                if refused.reason in FORGED:
                    return problem_response(403, "forged")
                # SubmitDialogResponse.error is shown in the dialog (model/integration_action.go).
                return web.json_response(
                    {"error": REFUSALS.get(refused.reason, REFUSALS["failed"])}
                )
            if cancelled or not isinstance(submission, Mapping):
                return web.json_response({})
            return await self._submitted(grant, submission)
        except CallbackRejected as rejected:
            return problem_response(rejected.status, rejected.code)
        except Exception as exc:  # outside the turn (storage, REST): answer, log the type
            log.error("mattermost dialog failed: %s", type(exc).__name__)
            return web.json_response({"error": REFUSALS["failed"]})

    def _refused(self, reason: str) -> web.Response:
        if reason in FORGED:
            return problem_response(403, "forged")
        return _ephemeral(REFUSALS.get(reason, REFUSALS["failed"]))

    async def _pressed(
        self, grant: Grant, token: str, payload: Mapping[str, Any], post_id: str
    ) -> web.Response:
        trigger_id = payload.get("trigger_id")
        if grant.kind == "form":
            # Opening the form changes nothing: the submission claims the post's nonce.
            if isinstance(trigger_id, str) and trigger_id:
                await self._open_form(grant, trigger_id)
            return web.json_response({})
        if not await self._once.claim(NONCE, grant.nonce, self._left(grant)):
            return _ephemeral(REFUSALS["used"])
        if grant.kind == "hide":
            lang = language_of(await self._locale(grant.user)) or "nl"
            return web.json_response({"update": {"message": HIDDEN[lang], "props": {}}})
        update = await self._update_for(post_id, token, grant)
        incoming = Incoming(
            channel=Channel.MATTERMOST,
            conversation=grant.conversation,
            kind=Kind.ACTION,
            sender=grant.user,
            locale=await self._locale(grant.user),
            action=grant.value,
        )
        posted = await self._turn.run(incoming, answered_post=post_id if update else "")
        if isinstance(trigger_id, str) and trigger_id:
            await self._open_first_form(incoming, posted, trigger_id)
        return web.json_response({"update": update} if update else {})

    async def _submitted(self, grant: Grant, submission: Mapping[str, Any]) -> web.Response:
        data = from_submission(grant.form or {}, submission)
        missing = _missing(grant, data)
        if missing:
            # ``errors`` (element name -> text) is shown under each field and keeps the dialog
            # open (SubmitDialogResponse, server/public/model/integration_action.go); the
            # nonce is not claimed, so the corrected form can still be sent.
            return web.json_response({"errors": dict.fromkeys(missing, REFUSALS["required"])})
        if not await self._once.claim(NONCE, grant.nonce, self._left(grant)):
            return web.json_response({"error": REFUSALS["used"]})
        incoming = Incoming(
            channel=Channel.MATTERMOST,
            conversation=grant.conversation,
            kind=Kind.FORM,
            sender=grant.user,
            locale=await self._locale(grant.user),
            form=grant.value,
            data=data,
        )
        await self._turn.run(incoming)
        return web.json_response({})

    async def _update_for(self, post_id: str, token: str, grant: Grant) -> dict[str, Any] | None:
        """The pressed post without its buttons, or None when ``post_id`` is not that post.

        The post id is the one part of a press we did not sign: a person can send their own
        valid press straight to us naming any post the bot can read. Only a post in the
        grant's channel that carries this very token is the one pressed; any other is
        neither quoted back nor changed.
        """
        try:
            post = await self._api.post(post_id)
        except MattermostApiError as exc:
            log.warning("mattermost post not read: HTTP %s", exc.status)
            return None
        props = post.get("props") if isinstance(post.get("props"), Mapping) else {}
        label = _label(props, token)
        if post.get("channel_id") != grant.conversation or label is None:
            log.warning("mattermost press named a post other than the pressed one")
            return None
        message = post.get("message") if isinstance(post.get("message"), str) else ""
        return {"message": message, "props": disabled(dict(props or {}), label)}

    async def _open_first_form(
        self, incoming: Incoming, posted: list[PostedReply], trigger_id: str
    ) -> None:
        """A reply that is a form, right after a press: open it with this press's trigger."""
        for item in posted:
            if item.reply.form is not None:
                grant = self._signer.grant(
                    "form",
                    item.reply.form.id,
                    conversation=incoming.conversation,
                    user=incoming.sender,
                    nonce=item.nonce,
                    form=form_spec(item.reply.form),
                )
                await self._open_form(grant, trigger_id)
                return

    async def _open_form(self, grant: Grant, trigger_id: str) -> None:
        """The dialog of a form grant; its state is the grant itself, signed again."""
        form = form_from_spec(grant.form or {})
        lang = language_of(await self._locale(grant.user)) or "nl"
        dialog = to_dialog(form, state=self._signer.sign(grant), lang=lang)
        try:
            # The trigger id is valid for OutgoingIntegrationRequestsTimeout from the press
            # (OpenInteractiveDialog, integration_action.go), so this runs inside the request.
            await self._api.open_dialog(trigger_id, self._dialogs_url, dialog)
        except MattermostApiError as exc:
            log.warning("mattermost dialog not opened: HTTP %s", exc.status)

    async def _locale(self, user: str) -> str | None:
        try:
            return await self._api.user_locale(user)
        except MattermostApiError:
            return None

    def _left(self, grant: Grant) -> timedelta:
        return timedelta(seconds=max(0.0, grant.expires - self._clock())) + CLOCK_SKEW


def _label(props: Any, token: str) -> str | None:
    """The name of the pressed button: the action whose context carries this token (None:
    no action of this post carries it)."""
    attachments = props.get("attachments") if isinstance(props, Mapping) else None
    for attachment in attachments if isinstance(attachments, list) else []:
        actions = attachment.get("actions") if isinstance(attachment, Mapping) else None
        for action in actions if isinstance(actions, list) else []:
            integration = action.get("integration") if isinstance(action, Mapping) else None
            context = integration.get("context") if isinstance(integration, Mapping) else None
            if isinstance(context, Mapping) and context.get("t") == token:
                name = action.get("name")
                return name if isinstance(name, str) else ""
    return None


def _missing(grant: Grant, data: Mapping[str, str]) -> list[str]:
    """Required fields left empty (a client that does not enforce ``optional: false``)."""
    form = form_from_spec(grant.form or {})
    return [
        field.name
        for field in form.fields
        if field.required
        and field.kind is not FieldKind.MULTI
        and not data.get(field.name, "").strip()
    ]


def _ephemeral(text: str) -> web.Response:
    return web.json_response({"ephemeral_text": text, "skip_slack_parsing": True})


def add_callback_routes(app: web.Application, callbacks: MattermostCallbacks) -> None:
    app.router.add_post(ACTIONS_PATH, callbacks.on_action)
    app.router.add_post(DIALOGS_PATH, callbacks.on_dialog)
