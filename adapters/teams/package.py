"""``meldwijzer teams package``: the zip an administrator uploads to Teams.

The zip holds ``manifest.json`` and the two icons at its root, as Teams requires
("Teams app package", learn.microsoft.com/microsoftteams/platform/concepts/build-and-test/
apps-package), plus the Dutch localization file the manifest points to.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from adapters.teams.icons import color_icon, decode_rgba_png, outline_icon
from adapters.teams.manifest import (
    COLOR_ICON,
    DUTCH_FILE,
    OUTLINE_ICON,
    build_manifest,
    check_manifest,
    dutch_localization,
)
from bot.errors import ConfigError
from bot.settings import Settings

PACKAGE_NAME = "meldwijzer-teams.zip"
COLOR_SIZE, OUTLINE_SIZE = 192, 32
# A fixed timestamp makes the zip byte-for-byte reproducible.
ZIP_TIME = (2024, 1, 1, 0, 0, 0)


def write_app_package(settings: Settings, out: Path, *, version: str = "1.0.0") -> Path:
    """Write the Teams app zip to ``out`` (a file, or a folder to put it in); return its path."""
    manifest = build_manifest(settings, version)
    check_manifest(manifest)
    files = {
        "manifest.json": _json(manifest),
        DUTCH_FILE: _json(dutch_localization()),
        COLOR_ICON: color_icon(COLOR_SIZE),
        OUTLINE_ICON: outline_icon(OUTLINE_SIZE),
    }
    check_icons(files[COLOR_ICON], files[OUTLINE_ICON])
    target = out / PACKAGE_NAME if out.is_dir() else out
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            entry = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            entry.external_attr = 0o644 << 16  # rw-r--r--, as any archiver would write
            archive.writestr(entry, data, compress_type=zipfile.ZIP_DEFLATED)
    return target


def check_icons(color: bytes, outline: bytes) -> None:
    """Sizes as Teams requires; the outline icon only white or transparent pixels."""
    width, height, _ = decode_rgba_png(color)
    if (width, height) != (COLOR_SIZE, COLOR_SIZE):
        raise ConfigError(f"Teams color icon must be {COLOR_SIZE}×{COLOR_SIZE} pixels")
    width, height, pixels = decode_rgba_png(outline)
    if (width, height) != (OUTLINE_SIZE, OUTLINE_SIZE):
        raise ConfigError(f"Teams outline icon must be {OUTLINE_SIZE}×{OUTLINE_SIZE} pixels")
    if any(alpha and (red, green, blue) != (255, 255, 255) for red, green, blue, alpha in pixels):
        raise ConfigError("Teams outline icon must be white on a transparent background")


def _json(document: dict[str, object]) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
