"""A clearly marked demo adviser for trying Meldwijzer out; refused in production."""

from __future__ import annotations

import logging

from bot.signals.passphrase import DEMO_PASSPHRASE
from bot.signals.registry import AdviserRegistry, NewAdviser

log = logging.getLogger("meldwijzer.demo")
DEMO_NAME = "demo"
__all__ = ["DEMO_NAME", "DEMO_PASSPHRASE", "seed_demo_adviser"]


async def seed_demo_adviser(registry: AdviserRegistry) -> None:
    adviser = await registry.add(
        NewAdviser(name=DEMO_NAME, languages=("nl", "en"), units=(), demo=True)
    )
    await registry.enrol(adviser.id, DEMO_PASSPHRASE)
    log.warning(
        "DEMO adviser %r created with passphrase %r: for trying out only, never in production",
        DEMO_NAME,
        DEMO_PASSPHRASE,
    )
