"""The server secret: keys conversation hashes and the receipt index.

Given by ``MELDWIJZER_SECRET`` in production; in development generated once into the
data folder with file mode 0600. ``MELDWIJZER_PREVIOUS_SECRET`` keeps receipts of a
rotated-away secret working (docs/security.md, "Secret rotation").
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.errors import ConfigError, StorageError
from bot.signals.models import MetaRow, SignalRow

SECRET_FILE = "secret.key"  # noqa: S105 (a file name)
MIN_SECRET_CHARS = 32
SECRET_FINGERPRINT = "secret_fingerprint"  # noqa: S105 (a key name in the meta table)
log = logging.getLogger("meldwijzer.secret")


def previous_secret(given: str | None) -> bytes | None:
    if given is None:
        return None
    if len(given) < MIN_SECRET_CHARS:
        raise ConfigError(
            f"MELDWIJZER_PREVIOUS_SECRET must be at least {MIN_SECRET_CHARS} characters"
        )
    return given.encode()


def server_secret(given: str | None, data_dir: Path) -> bytes:
    if given is not None:
        if len(given) < MIN_SECRET_CHARS:
            raise ConfigError(f"MELDWIJZER_SECRET must be at least {MIN_SECRET_CHARS} characters")
        return given.encode()
    return _secret_file(data_dir / SECRET_FILE)


def _secret_file(path: Path) -> bytes:
    try:
        if not path.exists():
            _create(path)
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise StorageError(f"{path.name} is readable by others (mode {mode:o}); use chmod 600")
        value = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise StorageError(f"cannot read the secret in the data folder: {exc}") from None
    if len(value) < MIN_SECRET_CHARS:
        raise StorageError(
            f"{path.name} in the data folder is damaged; remove it to make a new one"
        )
    return value.encode()


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # O_EXCL: two processes starting at once must not both write a different secret.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_urlsafe(48) + "\n")


async def guard_secret(
    sessions: async_sessionmaker[AsyncSession],
    fingerprints: tuple[str, ...],
    *,
    production: bool,
) -> None:
    """Refuse (production) or warn (development) when the secret would orphan signals.

    ``meta`` keeps the fingerprint of the secret the signals were indexed under. A start
    with that secret, or with it as ``MELDWIJZER_PREVIOUS_SECRET`` (a rotation: the record
    moves to the new secret, the old one is still tried on look-ups), is fine; any other
    secret would make every existing receipt unfindable.
    """
    try:
        try:
            await _check_fingerprint(sessions, fingerprints, production=production)
        except IntegrityError:
            # Another replica starting at the same moment wrote the first record between
            # this one's read and write; read again and compare with what it wrote.
            await _check_fingerprint(sessions, fingerprints, production=production, racing=True)
    except SQLAlchemyError as exc:
        raise StorageError(f"cannot check the server secret: {type(exc).__name__}") from exc


async def _check_fingerprint(
    sessions: async_sessionmaker[AsyncSession],
    fingerprints: tuple[str, ...],
    *,
    production: bool,
    racing: bool = False,
) -> None:
    current, previous = fingerprints[0], fingerprints[1:]
    async with sessions.begin() as db:
        stored = await db.get(MetaRow, SECRET_FINGERPRINT)
        if racing and stored is not None and stored.value not in fingerprints:
            _replicas_disagree(production)
        if stored is not None and stored.value not in fingerprints:
            signals = await db.scalar(select(SignalRow.id).limit(1))
            if signals is not None:
                _orphaning(production)
        if stored is None:
            db.add(MetaRow(key=SECRET_FINGERPRINT, value=current))
        elif stored.value != current:
            rotating = stored.value in previous
            stored.value = current
            if rotating:
                log.info("secret rotation: receipts under the previous secret move on use")


def _replicas_disagree(production: bool) -> None:
    """Another replica, started at the same moment on a fresh database, has another secret:
    receipts and conversation tokens of one would not open on the other."""
    if production:
        raise ConfigError(
            "refusing to start in production:\n  - another replica started at the same "
            "moment with a different MELDWIJZER_SECRET; every replica needs the same one "
            "(docs/deploy.md)"
        )
    log.warning("another process on this database started with a different server secret")


def _orphaning(production: bool) -> None:
    if production:
        raise ConfigError(
            "refusing to start in production:\n  - MELDWIJZER_SECRET is not the secret the "
            "existing signals were sealed under; set MELDWIJZER_PREVIOUS_SECRET to that one "
            "to rotate (docs/security.md, Secret rotation)"
        )
    log.warning(
        "the server secret changed (was %s in the data folder replaced?): receipts of the "
        "existing signals no longer open; set MELDWIJZER_PREVIOUS_SECRET to the old secret "
        "to keep them",
        SECRET_FILE,
    )
