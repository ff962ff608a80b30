"""Mount the three endpoints the Mattermost server calls: buttons, dialogs, the command.

Every replica serves them (plain HTTP, no websocket needed): the signed context makes a
press good on any replica and :class:`OnceStore` makes it count once among them all.
"""

from __future__ import annotations

from aiohttp import web

from adapters.mattermost.callbacks import (
    ACTIONS_PATH,
    DIALOGS_PATH,
    MattermostCallbacks,
    add_callback_routes,
)
from adapters.mattermost.command import COMMAND_PATH, SlashCommand, add_command_route
from adapters.mattermost.once import OnceStore
from adapters.mattermost.rest import MattermostApi
from adapters.mattermost.signing import CallbackSigner
from adapters.mattermost.turn import MattermostTurn, TurnHandler
from bot.settings import Settings

__all__ = ["ACTIONS_PATH", "COMMAND_PATH", "DIALOGS_PATH", "mount_callbacks"]


def mount_callbacks(
    app: web.Application,
    handler: TurnHandler,
    settings: Settings,
    *,
    api: MattermostApi,
    once: OnceStore,
    signer: CallbackSigner,
) -> MattermostCallbacks:
    """The action and dialog endpoints always; the command when its token is set."""
    base = settings.mattermost_callbacks.rstrip("/")
    turn = MattermostTurn(handler, api, signer, actions_url=base + ACTIONS_PATH)
    callbacks = MattermostCallbacks(turn, api, signer, once, dialogs_url=base + DIALOGS_PATH)
    add_callback_routes(app, callbacks)
    tokens = settings.mattermost_command_tokens
    if tokens:
        add_command_route(app, SlashCommand(turn, api, tokens))
    return callbacks
