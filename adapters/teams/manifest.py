"""The Teams app manifest (schema 1.17) and our own checks of the fields we rely on.

We do not ship Microsoft's JSON schema (we have no copy whose licence we checked), so
:func:`check_manifest` checks what this manifest uses, with the limits stated in the manifest
reference (learn.microsoft.com/microsoftteams/platform/resources/schema/manifest-schema):
``id`` and ``bots[].botId`` are GUIDs; ``name.short`` ≤ 30, ``name.full`` ≤ 100,
``description.short`` ≤ 80, ``description.full`` ≤ 4000 characters; developer URLs are HTTPS;
``validDomains`` are host names without scheme; ``accentColor`` is ``#RRGGBB``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from adapters.teams.icons import ACCENT
from bot.errors import ConfigError
from bot.settings import Settings

MANIFEST_VERSION = "1.17"
MANIFEST_SCHEMA = (
    "https://developer.microsoft.com/en-us/json-schemas/teams/v1.17/MicrosoftTeams.schema.json"
)
LOCALIZATION_SCHEMA = (
    "https://developer.microsoft.com/en-us/json-schemas/teams/v1.17/"
    "MicrosoftTeams.Localization.schema.json"
)
COLOR_ICON, OUTLINE_ICON, DUTCH_FILE = "color.png", "outline.png", "nl.json"
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", re.I)
LIMITS = {
    ("name", "short"): 30,
    ("name", "full"): 100,
    ("description", "short"): 80,
    ("description", "full"): 4000,
}
REQUIRED = (
    "$schema",
    "manifestVersion",
    "version",
    "id",
    "developer",
    "name",
    "description",
    "icons",
    "accentColor",
    "bots",
    "validDomains",
)

TEXTS = {
    "en": {
        "name.short": "Meldwijzer",
        "name.full": "Meldwijzer – speak up about discrimination and unwanted behaviour",
        "description.short": "Your options to report discrimination, racism and unwanted behaviour",
        "description.full": (
            "Meldwijzer explains where you can go if you experienced or saw discrimination, "
            "racism or other unwanted behaviour at work: the confidential adviser, a complaint, "
            "integrity reports and outside bodies. It helps bystanders, and it can pass on an "
            "anonymous, encrypted signal to confidential advisers. Anonymous signals in Teams "
            "stay visible in your own Teams history; use the web chat for the strongest "
            "anonymity."
        ),
    },
    "nl": {
        "name.short": "Meldwijzer",
        "name.full": "Meldwijzer – melden van discriminatie en ongewenst gedrag",
        "description.short": "Je mogelijkheden om discriminatie en ongewenst gedrag te melden",
        "description.full": (
            "Meldwijzer legt uit waar je terechtkunt als je op het werk discriminatie, racisme "
            "of ander ongewenst gedrag meemaakt of ziet: de vertrouwenspersoon, een klacht, een "
            "integriteitsmelding en instanties buiten je organisatie. Het helpt omstanders en "
            "kan een anoniem, versleuteld signaal doorgeven aan vertrouwenspersonen. Anonieme "
            "signalen in Teams blijven zichtbaar in je eigen Teams-geschiedenis; gebruik de "
            "webchat voor de sterkste anonimiteit."
        ),
    },
}


def build_manifest(settings: Settings, version: str) -> dict[str, Any]:
    public_url = _public_url(settings)
    english = TEXTS["en"]
    return {
        "$schema": MANIFEST_SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": settings.teams_app_id,
        "developer": {
            "name": "Meldwijzer",
            "websiteUrl": public_url + "/",
            "privacyUrl": public_url + "/",
            "termsOfUseUrl": public_url + "/",
        },
        "name": {"short": english["name.short"], "full": english["name.full"]},
        "description": {"short": english["description.short"], "full": english["description.full"]},
        "icons": {"color": COLOR_ICON, "outline": OUTLINE_ICON},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [
            {
                "botId": settings.teams_app_id,
                "scopes": ["personal"],
                "supportsFiles": False,
                "isNotificationOnly": False,
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [urlsplit(public_url).hostname or ""],
        "localizationInfo": {
            "defaultLanguageTag": "en-us",
            "additionalLanguages": [{"languageTag": "nl-nl", "file": DUTCH_FILE}],
        },
    }


def dutch_localization() -> dict[str, Any]:
    return {"$schema": LOCALIZATION_SCHEMA, **TEXTS["nl"]}


def check_manifest(manifest: dict[str, Any]) -> None:
    """Raise ConfigError naming the first field that breaks the rules we rely on."""
    missing = [key for key in REQUIRED if key not in manifest]
    if missing:
        raise ConfigError(f"Teams manifest: missing {', '.join(missing)}")
    for key in ("id",):
        _guid(manifest[key], key)
    for bot in manifest["bots"]:
        _guid(bot.get("botId", ""), "bots[].botId")
    for (section, field), limit in LIMITS.items():
        value = manifest[section].get(field, "")
        if not value or len(value) > limit:
            raise ConfigError(f"Teams manifest: {section}.{field} must be 1–{limit} characters")
    for field, url in manifest["developer"].items():
        if field.endswith("Url") and urlsplit(url).scheme != "https":
            raise ConfigError(f"Teams manifest: developer.{field} must be an https URL")
    if not all(HOST.match(domain) for domain in manifest["validDomains"]):
        raise ConfigError("Teams manifest: validDomains must be host names without scheme")
    if not re.fullmatch(r"#[0-9A-Fa-f]{6}", manifest["accentColor"]):
        raise ConfigError("Teams manifest: accentColor must be #RRGGBB")


def _guid(value: str, name: str) -> None:
    if not GUID.match(value or ""):
        raise ConfigError(f"Teams manifest: {name} must be a GUID (MELDWIJZER_TEAMS_APP_ID)")


def _public_url(settings: Settings) -> str:
    if not settings.public_url or urlsplit(settings.public_url).scheme != "https":
        raise ConfigError("MELDWIJZER_PUBLIC_URL: the Teams package needs an https public URL")
    return settings.public_url
