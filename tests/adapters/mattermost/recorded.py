"""The recorded Mattermost payloads in fixtures/, without their ``_source`` notes."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"


def load_recorded(name: str) -> dict[str, Any]:
    """``fixtures/<name>.json`` as the wire carries it (a fresh copy each time)."""
    found: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    found.pop("_source")
    return copy.deepcopy(found)
