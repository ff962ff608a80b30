"""Who gets a signal: the eligible advisers, the responsible one and the backup pool.

Pure functions over values, so every rule is one row of a table test
(tests/routing/test_select.py). The database is read elsewhere: the registry gives the
advisers and their load, :mod:`bot.routing.availability` who is away today.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass

from bot.errors import NoAdviserAvailable
from bot.signals.content import SignalContent
from bot.signals.registry import Adviser


@dataclass(frozen=True, slots=True)
class Request:
    """What the reporter asked for about who reads their signal (from the sealed content)."""

    exclude: tuple[str, ...] = ()  # adviser ids
    unit: str = ""
    outside_unit: bool = False  # "not someone from my own unit"
    language: str = ""
    attributes: tuple[str, ...] = ()

    @classmethod
    def of(cls, content: SignalContent) -> Request:
        return cls(
            exclude=content.exclude,
            unit=content.unit,
            outside_unit=content.outside_unit,
            language=content.adviser_language,
            attributes=content.adviser_attributes,
        )


@dataclass(frozen=True, slots=True)
class Routing:
    """The responsible adviser and everyone else who may read the signal."""

    responsible: Adviser
    backups: tuple[Adviser, ...]

    @property
    def readers(self) -> tuple[Adviser, ...]:
        return (self.responsible, *self.backups)


def eligible(
    advisers: Iterable[Adviser], request: Request, away: Collection[str] = frozenset()
) -> list[Adviser]:
    """Active, enrolled, present advisers the reporter did not exclude (by name or unit).

    A preferred language, and each attribute asked for, narrows the pool only when someone
    present matches: a wish never leaves a signal with nobody, and the reporter was told so
    in the form ("if possible").
    """
    pool = [
        a
        for a in advisers
        if a.active
        and a.enrolled
        and a.id not in away
        and a.id not in request.exclude
        and not (request.outside_unit and request.unit and request.unit in a.units)
    ]
    if request.language:
        pool = _narrowed(pool, lambda a: request.language in a.languages)
    for attribute in request.attributes:
        pool = _narrowed(pool, _has_attribute(attribute))
    return pool


def fewest_open(pool: Iterable[Adviser], load: Mapping[str, int]) -> Adviser:
    """Fewest open signals first; ties broken at random, so nobody is the favourite."""
    candidates = list(pool)
    if not candidates:
        raise NoAdviserAvailable("no adviser may read this signal")
    fewest = min(load.get(a.id, 0) for a in candidates)
    return secrets.choice([a for a in candidates if load.get(a.id, 0) == fewest])


def choose(
    advisers: Iterable[Adviser],
    request: Request,
    load: Mapping[str, int],
    away: Collection[str] = frozenset(),
) -> Routing:
    """The routing of a new signal; :class:`NoAdviserAvailable` when nobody may read it."""
    pool = eligible(advisers, request, away)
    responsible = fewest_open(pool, load)
    return Routing(responsible, tuple(a for a in pool if a.id != responsible.id))


def successor(pool: Iterable[Adviser], load: Mapping[str, int], away: Collection[str]) -> Adviser:
    """Who takes a signal over among readers: someone present if possible, else anyone."""
    candidates = list(pool)
    present = [a for a in candidates if a.id not in away]
    return fewest_open(present or candidates, load)


def _narrowed(pool: list[Adviser], wanted: Callable[[Adviser], bool]) -> list[Adviser]:
    matching = [a for a in pool if wanted(a)]
    return matching or pool


def _has_attribute(attribute: str) -> Callable[[Adviser], bool]:
    return lambda adviser: attribute in adviser.attributes
