"""The whole life of a signal, as the store and dialogs will drive it."""

from __future__ import annotations

import pytest

from bot import seal
from bot.errors import CryptoError


def test_report_follow_up_reply_and_recusal(index: seal.ReceiptIndex) -> None:
    advisers = {
        name: seal.AdviserKeyring.create(name, f"{name} passphrase", seal.TESTING)
        for name in ("anna", "bram", "cem")
    }
    # Reporting: the receipt is shown once; only lookup key, public key and wraps are stored.
    receipt = seal.new_receipt()
    salt = index.new_salt()
    stretched = index.stretch(receipt.normalised, salt, seal.TESTING)
    signal_key = seal.new_signal_key()
    content = seal.seal_message(
        signal_key,
        "Opmerkingen over mijn hoofddoek, ‘grapjes’".encode(),
        signal_id="s1",
        sequence=seal.CONTENT_SEQUENCE,
        author=seal.Author.REPORTER,
    )
    wraps = seal.seal_signal_key(
        "s1",
        signal_key,
        [
            seal.AdviserRecipient(a.adviser_id, a.public_key)
            for a in advisers.values()
            if a.adviser_id != "cem"
        ],  # the reporter excluded cem
        index.receipt_key(stretched, "s1"),
    )
    stored_lookup, stored_messages = index.lookup_key(receipt.normalised), [content]
    del signal_key, stretched

    # An adviser unlocks, reads and replies.
    anna = advisers["anna"].unlock("anna passphrase")
    key = seal.open_signal_key_as_adviser(
        "s1", wraps.public_key, "anna", anna, wraps.adviser_wraps[0].sealed
    )
    assert (
        seal.open_message(
            key, content, signal_id="s1", sequence=0, author=seal.Author.REPORTER
        ).decode()
        == "Opmerkingen over mijn hoofddoek, ‘grapjes’"
    )
    stored_messages.append(
        seal.seal_message(
            key,
            b"Dank je. Zullen we bellen?",
            signal_id="s1",
            sequence=1,
            author=seal.Author.ADVISER,
        )
    )

    # The reporter comes back, typing the receipt sloppily.
    typed = receipt.display().lower().replace("-", " ").replace("1", "l")
    assert index.lookup_key(typed) == stored_lookup
    again = index.stretch(seal.normalise_receipt(typed), salt, seal.TESTING)
    reporter_key = seal.open_signal_key_with_receipt(
        "s1", wraps.public_key, index.receipt_key(again, "s1"), wraps.receipt_wrap
    )
    reply = seal.open_message(
        reporter_key,
        stored_messages[1],
        signal_id="s1",
        sequence=1,
        author=seal.Author.ADVISER,
    )
    assert reply == b"Dank je. Zullen we bellen?"

    # Another receipt finds nothing and opens nothing.
    stranger = seal.new_receipt().normalised
    assert index.lookup_key(stranger) != stored_lookup
    stretched_stranger = index.stretch(stranger, salt, seal.TESTING)
    with pytest.raises(CryptoError):
        seal.open_signal_key_with_receipt(
            "s1", wraps.public_key, index.receipt_key(stretched_stranger, "s1"), wraps.receipt_wrap
        )

    # Anna recuses; the signal moves to cem, who can now read it.
    cem = advisers["cem"]
    moved = seal.wrap_for_adviser("s1", key, seal.AdviserRecipient("cem", cem.public_key))
    cem_key = seal.open_signal_key_as_adviser(
        "s1", wraps.public_key, "cem", cem.unlock("cem passphrase"), moved.sealed
    )
    assert seal.open_message(
        cem_key, content, signal_id="s1", sequence=0, author=seal.Author.REPORTER
    ).startswith(b"Opmerkingen")
