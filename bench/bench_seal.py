"""Time sealing a signal and a reporter's follow-up, with and without Argon2id.

Run: ``.venv/bin/python bench/bench_seal.py`` (prints a Markdown table; writes nothing).
"""

from __future__ import annotations

import secrets
import statistics
import time
from collections.abc import Callable

from bot import seal
from bot.seal import KdfParams, ReceiptIndex

CONTENT = (
    "Tijdens het teamoverleg maakte mijn leidinggevende opnieuw een opmerking. " * 12
).encode()
SIGNAL_ID = "bench-signal"


def timed(action: Callable[[], object], rounds: int) -> tuple[float, float]:
    """Median and worst wall time of ``action`` in milliseconds."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples)


class Scenario:
    """Three advisers, one index; one sealed signal to follow up on."""

    def __init__(self, params: KdfParams) -> None:
        self.index = ReceiptIndex(secrets.token_bytes(32), params)
        self.params = params
        self.salt = self.index.new_salt()
        self.advisers = [
            seal.AdviserRecipient(f"adviser-{n}", seal.public_key_bytes(seal.new_signal_key()))
            for n in range(3)
        ]
        self.receipt = seal.new_receipt()
        self.stretched = self.index.stretch(self.receipt.normalised, self.salt, params)
        self.wraps, self.content = self.seal_signal(self.stretched)

    def seal_signal(self, stretched: bytes) -> tuple[seal.SignalKeyWraps, bytes]:
        key = seal.new_signal_key()
        content = seal.seal_message(
            key, CONTENT, signal_id=SIGNAL_ID, sequence=0, author=seal.Author.REPORTER
        )
        wraps = seal.seal_signal_key(
            SIGNAL_ID, key, self.advisers, self.index.receipt_key(stretched, SIGNAL_ID)
        )
        return wraps, content

    def seal_with_kdf(self) -> None:
        receipt = seal.new_receipt()
        self.index.lookup_key(receipt.normalised)
        self.seal_signal(self.index.stretch(receipt.normalised, self.salt, self.params))

    def follow_up(self, stretched: bytes) -> bytes:
        self.index.lookup_key(self.receipt.normalised)  # what the store queries the row by
        key = seal.open_signal_key_with_receipt(
            SIGNAL_ID,
            self.wraps.public_key,
            self.index.receipt_key(stretched, SIGNAL_ID),
            self.wraps.receipt_wrap,
        )
        return seal.open_message(
            key, self.content, signal_id=SIGNAL_ID, sequence=0, author=seal.Author.REPORTER
        )

    def follow_up_with_kdf(self) -> bytes:
        typed = self.receipt.display().lower()
        normalised = seal.normalise_receipt(typed)
        return self.follow_up(self.index.stretch(normalised, self.salt, self.params))


def rows(label: str, params: KdfParams, rounds: int) -> list[str]:
    scenario = Scenario(params)
    measured = {
        "seal signal, excl. KDF": timed(lambda: scenario.seal_signal(scenario.stretched), 200),
        "seal signal, incl. KDF": timed(scenario.seal_with_kdf, rounds),
        "follow-up, excl. KDF": timed(lambda: scenario.follow_up(scenario.stretched), 200),
        "follow-up, incl. KDF": timed(scenario.follow_up_with_kdf, rounds),
    }
    kdf = f"{params.memory_kib} KiB, t={params.iterations}, p={params.lanes}"
    return [
        f"| {label} ({kdf}) | {name} | {median:.2f} | {worst:.2f} |"
        for name, (median, worst) in measured.items()
    ]


def main() -> None:
    print("| KDF params | operation | median ms | max ms |")
    print("|---|---|---:|---:|")
    for line in rows("TESTING", seal.TESTING, 200) + rows("PRODUCTION", seal.PRODUCTION, 30):
        print(line)
    print(
        f"\n1 signal = key pair, {len(CONTENT)}-byte content sealed, 3 adviser wraps, "
        "1 receipt wrap. Follow-up = lookup key, receipt key, unwrap, open content."
    )


if __name__ == "__main__":
    main()
