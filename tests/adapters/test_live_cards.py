"""The bounded, time-limited map of live cards both chat channels share."""

from __future__ import annotations

from adapters.live_cards import LiveCards, Shown


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_superseding_reply_returns_every_live_card_and_keeps_only_its_own() -> None:
    live: LiveCards[str] = LiveCards()
    assert live.settle("c", [Shown(True, ("form",))]) == []
    assert live.settle("c", [Shown(False, ("aside",))]) == []
    assert live.settle("c", [Shown(True, ("menu",))]) == ["form", "aside"]
    assert live.live("c") == ("menu",)


def test_a_reply_without_cards_that_supersedes_leaves_nothing_live() -> None:
    live: LiveCards[str] = LiveCards()
    live.settle("c", [Shown(True, ("menu",))])
    assert live.settle("c", [Shown(True)]) == ["menu"]
    assert live.live("c") == () and len(live) == 0


def test_cards_older_than_the_time_limit_are_forgotten_not_edited() -> None:
    clock = Clock()
    live: LiveCards[str] = LiveCards(ttl_seconds=60, clock=clock)
    live.settle("c", [Shown(True, ("old",))])
    clock.now += 60
    assert live.live("c") == ()
    assert live.settle("c", [Shown(True, ("new",))]) == []


def test_the_oldest_conversation_goes_first_and_each_keeps_a_few_cards() -> None:
    live: LiveCards[str] = LiveCards(max_conversations=2, per_conversation=2)
    live.settle("a", [Shown(True, ("a1",))])
    live.settle("b", [Shown(True, ("b1",))])
    live.settle("a", [Shown(False, ("a2",))])  # a is now the most recent
    live.settle("c", [Shown(True, ("c1",))])
    assert len(live) == 2 and live.live("b") == ()
    live.settle("a", [Shown(False, ("a3",))])
    assert live.live("a") == ("a2", "a3")


def test_a_flood_of_conversations_costs_a_fixed_amount() -> None:
    live: LiveCards[str] = LiveCards(max_conversations=100)
    for number in range(10_000):
        live.settle(f"c{number}", [Shown(True, ("card",) * 50)])
    assert len(live) == 100
    assert all(len(live.live(f"c{n}")) <= 4 for n in range(9_900, 10_000))
