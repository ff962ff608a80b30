"""The routing rules as a table: who may read a new signal and who is responsible for it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pytest

from bot.errors import NoAdviserAvailable
from bot.routing.select import Request, choose, eligible, successor
from bot.signals.content import SignalContent
from bot.signals.registry import Adviser


def adviser(
    name: str,
    *,
    active: bool = True,
    enrolled: bool = True,
    languages: tuple[str, ...] = ("nl",),
    units: tuple[str, ...] = (),
    attributes: tuple[str, ...] = (),
) -> Adviser:
    return Adviser(
        id=name,
        name=name,
        active=active,
        demo=False,
        languages=languages,
        units=units,
        attributes=attributes,
        teams_id=None,
        mattermost_id=None,
        enrolled=enrolled,
    )


ANNE = adviser("anne", languages=("nl", "en"), units=("Tax",), attributes=("woman",))
BRAM = adviser("bram", units=("Customs",))
CARO = adviser("caro", attributes=("woman", "outside"))
DIRK = adviser("dirk", active=False)  # disabled
EVA = adviser("eva", enrolled=False)  # no passphrase yet
TEAM = (ANNE, BRAM, CARO, DIRK, EVA)


@dataclass(frozen=True)
class Case:
    name: str
    request: Request = field(default_factory=Request)
    load: dict[str, int] = field(default_factory=dict)
    away: frozenset[str] = frozenset()
    readers: frozenset[str] = frozenset()  # every adviser the signal is sealed for
    responsible: frozenset[str] = frozenset()  # who may be chosen (a tie: any of them)


CASES = (
    Case(
        "everyone active and enrolled",
        readers=frozenset({"anne", "bram", "caro"}),
        load={"anne": 2, "bram": 1, "caro": 3},
        responsible=frozenset({"bram"}),
    ),
    Case(
        "disabled and unenrolled never read",
        load={"dirk": 0, "eva": 0},
        readers=frozenset({"anne", "bram", "caro"}),
        responsible=frozenset({"anne", "bram", "caro"}),
    ),
    Case(
        "a tie is broken among the least loaded",
        load={"anne": 1, "bram": 1, "caro": 1},
        readers=frozenset({"anne", "bram", "caro"}),
        responsible=frozenset({"anne", "bram", "caro"}),
    ),
    Case(
        "excluded by name",
        Request(exclude=("anne",)),
        readers=frozenset({"bram", "caro"}),
        responsible=frozenset({"bram", "caro"}),
    ),
    Case(
        "outside my unit",
        Request(unit="Tax", outside_unit=True),
        readers=frozenset({"bram", "caro"}),
        responsible=frozenset({"bram", "caro"}),
    ),
    Case(
        "my unit without the wish keeps everyone",
        Request(unit="Tax"),
        readers=frozenset({"anne", "bram", "caro"}),
        responsible=frozenset({"anne", "bram", "caro"}),
    ),
    Case(
        "a language someone speaks narrows",
        Request(language="en"),
        readers=frozenset({"anne"}),
        responsible=frozenset({"anne"}),
    ),
    Case(
        "a language nobody speaks keeps everyone",
        Request(language="fr"),
        readers=frozenset({"anne", "bram", "caro"}),
        responsible=frozenset({"anne", "bram", "caro"}),
    ),
    Case(
        "an attribute narrows",
        Request(attributes=("woman",)),
        readers=frozenset({"anne", "caro"}),
        responsible=frozenset({"anne", "caro"}),
    ),
    Case(
        "two attributes narrow further",
        Request(attributes=("woman", "outside")),
        readers=frozenset({"caro"}),
        responsible=frozenset({"caro"}),
    ),
    Case(
        "an attribute nobody present has keeps the pool",
        Request(attributes=("woman",)),
        away=frozenset({"anne", "caro"}),
        readers=frozenset({"bram"}),
        responsible=frozenset({"bram"}),
    ),
    Case(
        "away today is not chosen and cannot read",
        away=frozenset({"bram"}),
        load={"anne": 5, "bram": 0, "caro": 5},
        readers=frozenset({"anne", "caro"}),
        responsible=frozenset({"anne", "caro"}),
    ),
    Case(
        "the only speaker away: the language wish falls back",
        Request(language="en"),
        away=frozenset({"anne"}),
        readers=frozenset({"bram", "caro"}),
        responsible=frozenset({"bram", "caro"}),
    ),
    Case(
        "the load decides, not the order",
        load={"anne": 4, "bram": 4, "caro": 0},
        readers=frozenset({"anne", "bram", "caro"}),
        responsible=frozenset({"caro"}),
    ),
    Case(
        "exclusion and unit together",
        Request(exclude=("caro",), unit="Tax", outside_unit=True),
        readers=frozenset({"bram"}),
        responsible=frozenset({"bram"}),
    ),
)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_routing_table(case: Case) -> None:
    routing = choose(TEAM, case.request, case.load, case.away)
    assert {a.id for a in routing.readers} == case.readers
    assert routing.responsible.id in case.responsible
    assert routing.responsible not in routing.backups
    assert len(routing.readers) == len(set(routing.readers))


NOBODY = (
    ("everyone excluded", Request(exclude=("anne", "bram", "caro")), frozenset[str]()),
    ("everyone away", Request(), frozenset({"anne", "bram", "caro"})),
    (
        "the rest excluded, the last one away",
        Request(exclude=("anne", "bram")),
        frozenset({"caro"}),
    ),
    (
        "outside the unit, the others away",
        Request(unit="Tax", outside_unit=True),
        frozenset({"bram", "caro"}),
    ),
)


@pytest.mark.parametrize(
    ("request_", "away"), [(r, a) for _, r, a in NOBODY], ids=[n for n, _, _ in NOBODY]
)
def test_no_one_left_is_refused(request_: Request, away: frozenset[str]) -> None:
    with pytest.raises(NoAdviserAvailable):
        choose(TEAM, request_, {}, away)


def test_only_disabled_and_unenrolled_advisers_is_nobody() -> None:
    with pytest.raises(NoAdviserAvailable):
        choose((DIRK, EVA), Request(), {})


def test_ties_are_broken_at_random_not_by_order() -> None:
    chosen = Counter(choose(TEAM, Request(), {}).responsible.id for _ in range(300))
    # Each of three has chance 1/3 per draw; never drawn in 300 has probability 3 * (2/3)**300.
    assert set(chosen) == {"anne", "bram", "caro"}


def test_the_request_comes_from_the_sealed_content() -> None:
    content = SignalContent(
        what="x",
        exclude=("bram",),
        unit="Tax",
        outside_unit=True,
        adviser_language="en",
        adviser_attributes=("woman",),
    )
    assert Request.of(content) == Request(("bram",), "Tax", True, "en", ("woman",))


def test_wishes_survive_the_seal_round_trip() -> None:
    content = SignalContent(what="x", adviser_attributes=("woman", "outside"))
    assert SignalContent.from_bytes(content.to_bytes()).adviser_attributes == ("woman", "outside")
    assert SignalContent.from_bytes(b'{"what": "old signal"}').adviser_attributes == ()


@pytest.mark.parametrize(
    ("away", "load", "expected"),
    [
        (frozenset[str](), {"anne": 1, "caro": 0}, {"caro"}),
        (frozenset({"caro"}), {"anne": 9, "caro": 0}, {"anne"}),  # present first
        (frozenset({"anne", "caro"}), {"anne": 0, "caro": 3}, {"anne"}),  # else anyone
    ],
)
def test_a_successor_is_someone_present_if_possible(
    away: frozenset[str], load: dict[str, int], expected: set[str]
) -> None:
    assert successor((ANNE, CARO), load, away).id in expected


def test_eligible_without_wishes_is_everyone_who_could_be_chosen_today() -> None:
    assert [a.id for a in eligible(TEAM, Request(), frozenset({"bram"}))] == ["anne", "caro"]
