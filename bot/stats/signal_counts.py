"""What a signal left counts: its mode, kinds, role and (if configured) its unit's group."""

from __future__ import annotations

from collections.abc import Callable

from bot.signals.content import SignalContent
from bot.stats.categories import UNIT_GROUPS
from bot.stats.tally import Tally

# The coarse group a unit belongs to ("other" for none), or None when no groups are configured.
UnitGroup = Callable[[str], str | None]


def no_unit_groups(unit: str) -> str | None:
    """Without configured groups the unit is never counted (issue 12)."""
    return None


def count_submitted(tally: Tally, content: SignalContent, unit_group: UnitGroup) -> None:
    """Called after the signal's transaction committed; the counts go to memory only."""
    tally.add("signals", content.mode)
    for kind in sorted(set(content.kinds)):
        tally.add("kinds", kind)
    if content.role:
        tally.add("roles", content.role)
    tally.add("funnel", "signal_left")
    group = unit_group(content.unit)  # with groups configured, "other" when in none
    if group:
        tally.add(UNIT_GROUPS, group)
