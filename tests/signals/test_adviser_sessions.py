"""An unlocked session: the database plus the server secret do not open the adviser's key."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from sqlalchemy import update

from bot.app import Services
from bot.conversation import utc_now
from bot.core import Channel
from bot.errors import CryptoError, SessionExpired
from bot.seal.envelope import open_with_key
from bot.secret import server_secret
from bot.signals.unlock import AdviserSessions
from bot.state import ConversationRow
from tests.signals.conftest import Person, adviser_in_teams, all_text, submit_signal, values


async def test_the_database_and_the_secret_do_not_open_an_unlocked_key(
    services: Services,
) -> None:
    desk = await adviser_in_teams(services, "aad-session", name="Canary-Name-se2")
    await submit_signal(services, what="Canary-Text-se1", exclude=desk.adviser_id)
    await submit_signal(services, what="Canary-Text-se1")
    await desk.unlock()
    signal_id = await readable_by(services, desk.adviser_id)
    assert "Canary-Text-se1" in all_text(await desk.open(signal_id))
    secret = server_secret(None, services.settings.data_dir)
    ((conversation_key, stored),) = await unlocked_conversations(services)
    ((row_id, sealed),) = await values(services, "adviser_sessions", "id", "sealed_key")
    assert stored and stored != row_id, "the session row is found by a keyed hash only"
    # The old derivation: the key from the secret and what the conversation row holds.
    old_key = hmac.new(
        hmac.new(secret, b"adviser-session", hashlib.sha256).digest(),
        str(stored).encode(),
        hashlib.sha256,
    ).digest()
    with pytest.raises(CryptoError):
        open_with_key(bytes(sealed), old_key, desk.adviser_id.encode())  # type: ignore[arg-type]
    # Our own code, given everything the database and the secret hold, but not the address.
    sessions = AdviserSessions(
        services.sessions,
        services.signals.registry,
        secret,
        utc_now,
        pool=services.signals.kdf_pool,
    )
    for guess in ("", str(conversation_key), f"teams\x1f{conversation_key}", desk.adviser_id):
        with pytest.raises(SessionExpired):
            await sessions.resume(str(stored), guess)
    address = f"teams\x1f{desk.person.conversation}"
    assert (await sessions.resume(str(stored), address)).adviser_id == desk.adviser_id


async def unlocked_conversations(services: Services) -> list[tuple[object, ...]]:
    rows = await values(services, "conversations", "key", "adviser_session")
    return [row for row in rows if row[1]]


async def readable_by(services: Services, adviser_id: str) -> str:
    wraps = await values(services, "signal_wraps", "signal_id", "adviser_id")
    return next(str(signal) for signal, holder in wraps if holder == adviser_id)


async def test_the_session_does_not_open_from_another_conversation(services: Services) -> None:
    desk = await adviser_in_teams(services, "aad-session-2", name="Canary-Name-se4")
    await submit_signal(services, what="Canary-Text-se3")
    await desk.unlock()
    signal_id = await readable_by(services, desk.adviser_id)
    assert "Canary-Text-se3" in all_text(await desk.open(signal_id))
    ((_, stored),) = await unlocked_conversations(services)
    # The adviser's own account in another conversation (or anyone who copies the value
    # into another conversation's row): the session is bound to the conversation it began in.
    other = Person(services.conversations, Channel.TEAMS, "teams-conv-other", "aad-session-2")
    await other.start()
    async with services.sessions.begin() as db:
        await db.execute(update(ConversationRow).values(adviser_session=stored))
    copied = await other.press(f"adviser:open:{signal_id}")
    assert "Canary-Text-se3" not in all_text(copied)
