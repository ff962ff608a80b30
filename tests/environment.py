"""What the suite needs from the machine: skipped on a developer's laptop, required in CI."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def unavailable(reason: str) -> NoReturn:
    """A browser or database the test needs is missing: CI must fail, a laptop may skip."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)
