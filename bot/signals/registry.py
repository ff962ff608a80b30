"""The register of confidential advisers: who they are, where to reach them, their keys."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core import Channel
from bot.errors import InputError, StorageError
from bot.seal import AdviserKeyring, KdfParams, KdfPool, recovery_key_id
from bot.signals.email_address import checked_email
from bot.signals.models import AdviserRow, SignalRow
from bot.signals.passphrase import check_strength

ADDRESS_CACHE_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class Adviser:
    """An adviser as the rest of the code sees them (no key material)."""

    id: str
    name: str
    active: bool
    demo: bool
    languages: tuple[str, ...]
    units: tuple[str, ...]
    attributes: tuple[str, ...]
    teams_id: str | None
    mattermost_id: str | None
    enrolled: bool
    email: str | None = None  # where notices go by e-mail, if the adviser gave one

    @classmethod
    def of(cls, row: AdviserRow) -> Adviser:
        return cls(
            id=row.id,
            name=row.name,
            active=row.active,
            demo=row.demo,
            languages=_split(row.languages),
            units=_split(row.units),
            attributes=_split(row.attributes),
            teams_id=row.teams_id,
            mattermost_id=row.mattermost_id,
            enrolled=row.keyring is not None,
            email=row.email,
        )


@dataclass(frozen=True, slots=True)
class NewAdviser:
    name: str
    languages: tuple[str, ...] = ("nl",)
    units: tuple[str, ...] = ()
    attributes: tuple[str, ...] = ()
    teams_id: str | None = None
    mattermost_id: str | None = None
    demo: bool = False
    email: str | None = None


class AdviserRegistry:
    """Adds, lists, enrols and disables advisers."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        kdf: KdfParams,
        recovery: X25519PublicKey | None = None,
        *,
        allow_demo_passphrase: bool = False,
        pool: KdfPool,
    ) -> None:
        self._sessions = sessions
        self._pool = pool  # every Argon2id run goes through the process's bounded pool
        self._kdf = kdf
        self._recovery = recovery
        self._allow_demo = allow_demo_passphrase  # development only
        self._address_cache: tuple[float, Mapping[tuple[Channel, str], Adviser]] | None = None

    async def add(self, new: NewAdviser) -> Adviser:
        name = new.name.strip()
        if not 1 <= len(name) <= 100:
            raise InputError("an adviser's name is 1 to 100 characters")
        row = AdviserRow(
            id=secrets.token_hex(8),
            name=name,
            active=True,
            demo=new.demo,
            languages=_join(new.languages or ("nl",)),
            units=_join(new.units),
            attributes=_join(new.attributes),
            teams_id=new.teams_id or None,
            mattermost_id=new.mattermost_id or None,
            email=checked_email(new.email) if new.email else None,
        )
        try:
            async with self._sessions.begin() as db:
                db.add(row)
        except IntegrityError:
            raise InputError("that Teams or Mattermost id belongs to another adviser") from None
        except SQLAlchemyError as exc:
            raise StorageError("cannot add the adviser") from exc
        self._address_cache = None
        return Adviser.of(row)

    async def set_email(self, adviser_id: str, address: str | None) -> Adviser:
        """Where notices go by e-mail; ``None`` stops e-mail notices for this adviser."""
        email = checked_email(address) if address is not None else None
        try:
            async with self._sessions.begin() as db:
                row = await db.get(AdviserRow, adviser_id)
                if row is None:
                    raise InputError(f"no adviser with id {adviser_id}")
                row.email = email
        except SQLAlchemyError as exc:
            raise StorageError("cannot change the adviser") from exc
        return Adviser.of(row)

    async def enrol(self, adviser_id: str, passphrase: str) -> Adviser:
        """Make the adviser's key pair, wrapped under their passphrase (replaces an old one)."""
        row = await self._row(adviser_id)
        keyring = await self.new_keyring(adviser_id, passphrase)
        async with self._sessions.begin() as db:
            stored = await db.get(AdviserRow, row.id)
            assert stored is not None
            stored.keyring = json.dumps(keyring.to_dict())
            stored.public_key = keyring.public_key
        return Adviser.of(stored)

    async def new_keyring(
        self, adviser_id: str, passphrase: str, *, checked: bool = True
    ) -> AdviserKeyring:
        """A new key pair under ``passphrase`` (and the recovery key, if configured)."""
        row = await self._row(adviser_id)
        if checked:
            self.check_passphrase_strength(passphrase, row.name, demo=row.demo)
        return await self._pool.run(
            AdviserKeyring.create, row.id, passphrase, self._kdf, self._recovery
        )

    def check_passphrase_strength(
        self, passphrase: str, name: str = "", *, demo: bool = False
    ) -> None:
        """Refuse a weak passphrase before any work; the public demo one only for the demo
        adviser in development."""
        allow_demo = self._allow_demo and demo
        check_strength(passphrase, allow_demo=allow_demo, context=(name, *name.split()))

    async def change_passphrase(self, adviser_id: str, key: X25519PrivateKey, new: str) -> None:
        """Rewrap the same key pair (unlocked by the caller) under a new passphrase."""
        adviser = await self.get(adviser_id)
        self.check_passphrase_strength(new, adviser.name, demo=adviser.demo)
        keyring = await self.keyring(adviser_id)
        fresh = await self._pool.run(keyring.with_passphrase, key, new, self._kdf)
        await self._store_keyring(adviser_id, self._with_current_recovery(fresh, key))

    def _with_current_recovery(
        self, keyring: AdviserKeyring, key: X25519PrivateKey
    ) -> AdviserKeyring:
        """Advisers enrolled before a recovery key was configured get its wrap now."""
        if self._recovery is None or keyring.recovery_key_id == recovery_key_id(self._recovery):
            return keyring
        return keyring.with_recovery(key, self._recovery)

    async def _store_keyring(self, adviser_id: str, keyring: AdviserKeyring) -> None:
        async with self._sessions.begin() as db:
            stored = await db.get(AdviserRow, adviser_id)
            assert stored is not None
            stored.keyring = json.dumps(keyring.to_dict())

    async def recover(self, adviser_id: str, recovery: X25519PrivateKey, new: str) -> None:
        """With the offline recovery key: the same key pair under a new passphrase."""
        adviser = await self.get(adviser_id)
        self.check_passphrase_strength(new, adviser.name, demo=adviser.demo)
        keyring = await self.keyring(adviser_id)
        key = keyring.recover(recovery)
        fresh = await self._pool.run(keyring.with_passphrase, key, new, self._kdf)
        await self._store_keyring(adviser_id, fresh)

    def forget_addresses(self) -> None:
        """After a change of who is active: this replica sees it at once."""
        self._address_cache = None

    async def all(self) -> list[Adviser]:
        async with self._sessions() as db:
            rows = (await db.execute(select(AdviserRow).order_by(AdviserRow.name))).scalars()
            return [Adviser.of(row) for row in rows]

    async def get(self, adviser_id: str) -> Adviser:
        return Adviser.of(await self._row(adviser_id))

    async def find(self, reference: str) -> Adviser:
        """By id, or by a unique name (what people type on the command line)."""
        advisers = await self.all()
        by_id = [a for a in advisers if a.id == reference]
        by_name = [a for a in advisers if a.name.casefold() == reference.strip().casefold()]
        found = by_id or by_name
        if len(found) != 1:
            raise InputError(
                f"no single adviser called {reference!r}; see `meldwijzer adviser list`"
            )
        return found[0]

    async def by_address(self, channel: Channel, address: str) -> Adviser | None:
        """The active adviser behind a Teams or Mattermost user id, if any."""
        if not address or channel not in (Channel.TEAMS, Channel.MATTERMOST):
            return None
        return (await self._addresses()).get((channel, address))

    async def _addresses(self) -> Mapping[tuple[Channel, str], Adviser]:
        """Active advisers by chat address, read at most every few seconds.

        Matched here, not in SQL: a reporter's platform id must never reach the database
        driver, whose statement logs (echo, aiosqlite, PostgreSQL) would keep it. The short
        cache spares every chat turn a query; other replicas see a change within
        ``ADDRESS_CACHE_SECONDS``, this one at once.
        """
        now = time.monotonic()
        if self._address_cache is not None and now - self._address_cache[0] < ADDRESS_CACHE_SECONDS:
            return self._address_cache[1]
        async with self._sessions() as db:
            rows = (await db.execute(select(AdviserRow).where(AdviserRow.active))).scalars().all()
        found: dict[tuple[Channel, str], Adviser] = {}
        for row in rows:
            adviser = Adviser.of(row)
            if row.teams_id:
                found[(Channel.TEAMS, row.teams_id)] = adviser
            if row.mattermost_id:
                found[(Channel.MATTERMOST, row.mattermost_id)] = adviser
        self._address_cache = (now, MappingProxyType(found))
        return self._address_cache[1]

    async def keyring(self, adviser_id: str) -> AdviserKeyring:
        row = await self._row(adviser_id)
        if row.keyring is None:
            raise InputError("this adviser has not set a passphrase yet")
        return AdviserKeyring.from_dict(json.loads(row.keyring))

    async def open_load(self) -> dict[str, int]:
        """Open signals per responsible adviser, to pick the least loaded one."""
        query = (
            select(SignalRow.adviser_id, func.count())
            .where(SignalRow.status == "open")
            .group_by(SignalRow.adviser_id)
        )
        async with self._sessions() as db:
            return {str(a): int(n) for a, n in (await db.execute(query)).all() if a is not None}

    async def _row(self, adviser_id: str) -> AdviserRow:
        async with self._sessions() as db:
            row = await db.get(AdviserRow, adviser_id)
        if row is None:
            raise InputError(f"no adviser with id {adviser_id}")
        return row


def _split(value: str) -> tuple[str, ...]:
    return tuple(part for part in (p.strip() for p in value.split(",")) if part)


def _join(values: Iterable[str]) -> str:
    cleaned = [v.strip() for v in values if v.strip()]
    if any("," in v for v in cleaned):
        raise InputError("names of units, languages and attributes cannot contain commas")
    return ",".join(cleaned)
