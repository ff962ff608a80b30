"""Years of counters for the report tests, shaped as ``read_year`` returns them."""

from __future__ import annotations

import random

from bot.stats.categories import CHANNELS, KINDS, MEASURES, MODES, ROLES
from bot.stats.report_tables import YearCounts


def small_year(seed: int) -> YearCounts:
    """Every measure with many small cells, some zeros and a few large ones; the shared
    cells agree (signals = roles = the funnel's last step; conversations = its first;
    the options topic = the funnel's options; outcomes = feedback)."""
    pick = random.Random(seed)
    counts: dict[tuple[str, str, int], int] = {}
    for quarter in (1, 2, 3, 4):
        modes = {m: pick.choice((0, 1, 2, 3, 6, 9, 12, 25)) for m in MODES}
        left = sum(modes.values())
        roles = _split(pick, left, ROLES)
        channels = {c: pick.choice((0, 2, 5, 14, 40, 120)) for c in CHANNELS}
        started = sum(channels.values())
        for measure, values in (("signals", modes), ("roles", roles), ("conversations", channels)):
            counts.update({(measure, k, quarter): v for k, v in values.items()})
        funnel = {"conversation": started, "options": started // 2, "signal_started": left + 2}
        counts.update({("funnel", k, quarter): v for k, v in funnel.items()})
        counts[("funnel", "signal_left", quarter)] = left
        counts.update({("kinds", k, quarter): pick.randint(0, left) for k in KINDS})
        for measure in ("topics", "follow_ups", "acknowledged", "outcomes"):
            for category in MEASURES[measure]:
                counts[(measure, category, quarter)] = pick.choice((0, 1, 4, 8, 11, 30))
        # The options shown are a topic and a funnel step; every outcome counts one feedback.
        counts[("topics", "options", quarter)] = funnel["options"]
        closed = sum(counts[("outcomes", o, quarter)] for o in MEASURES["outcomes"])
        feedback = _split(pick, closed, MEASURES["feedback"])
        counts.update({("feedback", k, quarter): v for k, v in feedback.items()})
    return counts


def _split(pick: random.Random, total: int, parts: tuple[str, ...]) -> dict[str, int]:
    cuts = sorted(pick.randint(0, total) for _ in parts[1:])
    bounds = [0, *cuts, total]
    return {part: bounds[i + 1] - bounds[i] for i, part in enumerate(parts)}


def three_signals() -> YearCounts:
    """Three people left a signal in the second quarter, after eleven conversations."""
    return {
        ("conversations", "webchat", 2): 11,
        ("funnel", "conversation", 2): 11,
        ("funnel", "options", 2): 6,
        ("funnel", "signal_started", 2): 4,
        ("funnel", "signal_left", 2): 3,
        ("topics", "options", 2): 6,
        ("signals", "anonymous", 2): 3,
        ("roles", "target", 2): 2,
        ("roles", "witness", 2): 1,
        ("kinds", "racism", 2): 3,
        ("acknowledged", "met", 2): 3,
    }
