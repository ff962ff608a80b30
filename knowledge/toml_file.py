"""Reading the TOML files the content depends on; any problem names the file."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from bot.errors import KnowledgeError


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise KnowledgeError(f"{path}: not valid TOML: {exc}") from None
