"""Request shapes from the Mattermost API reference; each check returns what is wrong.

Sources (see fixtures/README.md): the API reference (developers.mattermost.com/api-documentation,
formerly api.mattermost.com) for the REST bodies, "Interactive dialogs" and "Interactive
messages" on developers.mattermost.com/integrate for dialogs and buttons, and the server's
``model`` package for limits the reference states only in prose.
"""

from __future__ import annotations

import re
from typing import Any

ID = re.compile(r"[a-z0-9]{26}")
# Action ids with "_" or "-" break the button on the server (the id goes into a URL path).
ACTION_ID = re.compile(r"[A-Za-z0-9]+")
MESSAGE_MAX_RUNES = 16383  # model.PostMessageMaxRunesV2
DIALOG_TITLE_MAX = 24
ELEMENT_DISPLAY_NAME_MAX = 24
ELEMENT_NAME_MAX = 300
HELP_TEXT_MAX = 150
PLACEHOLDER_MAX = 150
# A text element's max_length is not bounded: DialogElement.IsValid checks only its default
# and placeholder against DialogElementTextMaxLength (150); 150 is the documented default.
TEXT_MAX_LENGTH: int | None = None
TEXTAREA_MAX_LENGTH = 3000
# DialogElement.IsValid measures a default with Go's len(): UTF-8 bytes.
DEFAULT_MAX_BYTES = {"text": 150, "textarea": 3000, "select": 3000}
ELEMENT_TYPES = {"text", "textarea", "select", "bool", "radio"}
TEXT_SUBTYPES = {"text", "email", "number", "password", "tel", "url"}
PATCH_KEYS = {"is_pinned", "message", "props", "file_ids", "has_reactions"}


def direct_channel_body(body: Any) -> list[str]:
    if not isinstance(body, list) or len(body) != 2:
        return ["channels/direct: the body must be a list of exactly two user ids"]
    return [f"channels/direct: {item!r} is not a user id" for item in body if not _is_id(item)]


def post_body(body: Any, where: str = "posts") -> list[str]:
    if not isinstance(body, dict):
        return [f"{where}: the body must be a JSON object"]
    errors = []
    if not _is_id(body.get("channel_id")):
        errors.append(f"{where}: channel_id is required and must be a channel id")
    if not isinstance(body.get("message", ""), str):
        errors.append(f"{where}: message must be a string")
    elif "message" not in body and not body.get("file_ids"):
        errors.append(f"{where}: message is required")
    elif len(body.get("message", "")) > MESSAGE_MAX_RUNES:
        errors.append(f"{where}: message longer than {MESSAGE_MAX_RUNES} runes")
    if "props" in body and not isinstance(body["props"], dict):
        errors.append(f"{where}: props must be an object")
    if "pending_post_id" in body and not isinstance(body["pending_post_id"], str):
        errors.append(f"{where}: pending_post_id must be a string")
    errors.extend(attachments(body.get("props") or {}, where))
    return errors


def attachments(props: Any, where: str) -> list[str]:
    if not isinstance(props, dict):
        return []
    found = props.get("attachments", [])
    if not isinstance(found, list):
        return [f"{where}: props.attachments must be a list"]
    errors = []
    for attachment in found:
        for action in (attachment or {}).get("actions") or []:
            errors.extend(_action(action, where))
    return errors


def _action(action: Any, where: str) -> list[str]:
    if not isinstance(action, dict):
        return [f"{where}: an action must be an object"]
    errors = []
    if action.get("type", "button") not in ("button", "select"):
        errors.append(f"{where}: action type {action.get('type')!r} is not button or select")
    if not action.get("name"):
        errors.append(f"{where}: an action needs a name (its label)")
    if "id" in action and not ACTION_ID.fullmatch(str(action["id"])):
        errors.append(f"{where}: action id {action['id']!r} must be letters and digits only")
    integration = action.get("integration")
    if not isinstance(integration, dict) or not isinstance(integration.get("url"), str):
        errors.append(f"{where}: an action needs integration.url")
    elif "context" in integration and not isinstance(integration["context"], dict):
        errors.append(f"{where}: integration.context must be an object")
    return errors


def ephemeral_body(body: Any) -> list[str]:
    if not isinstance(body, dict):
        return ["posts/ephemeral: the body must be a JSON object"]
    errors = []
    if not _is_id(body.get("user_id")):
        errors.append("posts/ephemeral: user_id is required")
    errors.extend(post_body(body.get("post"), "posts/ephemeral post"))
    return errors


def patch_body(body: Any) -> list[str]:
    if not isinstance(body, dict):
        return ["posts/patch: the body must be a JSON object"]
    errors = [
        f"posts/patch: {key!r} is not a patchable field" for key in body if key not in PATCH_KEYS
    ]
    if "message" in body and not isinstance(body["message"], str):
        errors.append("posts/patch: message must be a string")
    if "props" in body and not isinstance(body["props"], dict):
        errors.append("posts/patch: props must be an object")
    errors.extend(attachments(body.get("props") or {}, "posts/patch"))
    return errors


def open_dialog_body(body: Any) -> list[str]:
    if not isinstance(body, dict):
        return ["dialogs/open: the body must be a JSON object"]
    errors = []
    if not isinstance(body.get("trigger_id"), str) or not body["trigger_id"]:
        errors.append("dialogs/open: trigger_id is required")
    if not isinstance(body.get("url"), str) or not body["url"]:
        errors.append("dialogs/open: url is required")
    dialog = body.get("dialog")
    if not isinstance(dialog, dict):
        return [*errors, "dialogs/open: dialog is required"]
    title = dialog.get("title")
    if not isinstance(title, str) or not title:
        errors.append("dialogs/open: dialog.title is required")
    elif len(title) > DIALOG_TITLE_MAX:
        errors.append(f"dialogs/open: dialog.title longer than {DIALOG_TITLE_MAX} characters")
    if "state" in dialog and not isinstance(dialog["state"], str):
        errors.append("dialogs/open: dialog.state must be a string")
    elements = dialog.get("elements", [])
    if not isinstance(elements, list):
        return [*errors, "dialogs/open: dialog.elements must be a list"]
    names = [element.get("name") for element in elements if isinstance(element, dict)]
    if len(set(names)) != len(names):
        errors.append("dialogs/open: element names must be unique")
    for element in elements:
        errors.extend(_element(element))
    return errors


def _element(element: Any) -> list[str]:
    if not isinstance(element, dict):
        return ["dialogs/open: an element must be an object"]
    name = element.get("name")
    where = f"dialogs/open element {name!r}"
    errors = []
    display = element.get("display_name")
    if not isinstance(display, str) or not display:
        errors.append(f"{where}: display_name is required")
    elif len(display) > ELEMENT_DISPLAY_NAME_MAX:
        errors.append(f"{where}: display_name longer than {ELEMENT_DISPLAY_NAME_MAX} characters")
    if not isinstance(name, str) or not name or len(name) > ELEMENT_NAME_MAX:
        errors.append(f"{where}: name is required (at most {ELEMENT_NAME_MAX} characters)")
    kind = element.get("type")
    if kind not in ELEMENT_TYPES:
        errors.append(f"{where}: type {kind!r} is not one of {sorted(ELEMENT_TYPES)}")
    for key, limit in (("help_text", HELP_TEXT_MAX), ("placeholder", PLACEHOLDER_MAX)):
        if len(str(element.get(key, ""))) > limit:
            errors.append(f"{where}: {key} longer than {limit} characters")
    if kind == "text":
        errors.extend(_text(element, where, TEXT_MAX_LENGTH))
    elif kind == "textarea":
        errors.extend(_text(element, where, TEXTAREA_MAX_LENGTH))
    elif kind in ("select", "radio"):
        errors.extend(_options(element, where))
    elif kind == "bool" and element.get("default", "false") not in ("true", "false", True, False):
        errors.append(f"{where}: a bool default must be true or false")
    errors.extend(_default(element, where))
    return errors


def _default(element: dict[str, Any], where: str) -> list[str]:
    default, kind = element.get("default"), element.get("type")
    if default is None or kind == "bool":
        return []
    if not isinstance(default, str):
        return [f"{where}: default must be a string"]
    limit = DEFAULT_MAX_BYTES.get(str(kind))
    if limit is not None and len(default.encode("utf-8")) > limit:
        return [f"{where}: default longer than {limit} bytes"]
    offered = [option.get("value") for option in element.get("options") or []]
    if kind in ("select", "radio") and default and default not in offered:
        return [f"{where}: default {default!r} is not one of the options"]
    return []


def _text(element: dict[str, Any], where: str, limit: int | None) -> list[str]:
    errors = []
    subtype = element.get("subtype", "text")
    if element.get("type") == "text" and subtype not in TEXT_SUBTYPES:
        errors.append(f"{where}: subtype {subtype!r} is not one of {sorted(TEXT_SUBTYPES)}")
    for key in ("min_length", "max_length"):
        value = element.get(key)
        if value is not None and (not isinstance(value, int) or value < 0):
            errors.append(f"{where}: {key} must be a whole number")
    maximum = element.get("max_length")
    if isinstance(maximum, int) and limit is not None and maximum > limit:
        errors.append(f"{where}: max_length {maximum} is over {limit} for {element['type']}")
    return errors


def _options(element: dict[str, Any], where: str) -> list[str]:
    if element.get("data_source") in ("users", "channels", "dynamic"):
        return []
    options = element.get("options")
    if not isinstance(options, list) or not options:
        return [f"{where}: a {element['type']} needs options"]
    errors = []
    for option in options:
        if not isinstance(option, dict) or not {"text", "value"} <= option.keys():
            errors.append(f"{where}: every option needs text and value")
    return errors


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and ID.fullmatch(value) is not None
