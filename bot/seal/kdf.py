"""Argon2id (RFC 9106) cost parameters and the one place that runs it.

OWASP's Password Storage Cheat Sheet (section "Argon2id") lists five equally strong
minimum configurations, trading memory for passes, all with parallelism 1:
46 MiB × 1, 19 MiB × 2, 12 MiB × 3, 9 MiB × 4 and 7 MiB × 5
(https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html).
``PRODUCTION`` takes the first: one pass is the fastest for the defender at equal cost to
an attacker. ``TESTING`` is deliberately weak and only for the test suite and benchmarks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from bot.errors import ConfigError, CryptoError

# (memory KiB, iterations) pairs from the cheat sheet; any one of them is "the minimum".
OWASP_MINIMUMS: tuple[tuple[int, int], ...] = (
    (47104, 1),
    (19456, 2),
    (12288, 3),
    (9216, 4),
    (7168, 5),
)
# Upper bounds refuse a stored record that would make one unlock exhaust the machine.
_MAX_MEMORY_KIB = 4 * 1024 * 1024
_MAX_ITERATIONS = 64
_MAX_LANES = 16
MIN_SALT_BYTES = 16  # RFC 9106 §3.1 recommends 16 bytes of salt for password hashing


@dataclass(frozen=True, slots=True)
class KdfParams:
    """Argon2id cost: memory in KiB, passes over memory, and lanes (parallelism)."""

    memory_kib: int
    iterations: int
    lanes: int = 1

    def __post_init__(self) -> None:
        # RFC 9106 §3.1: memory must be at least 8 KiB per lane.
        if not 1 <= self.lanes <= _MAX_LANES:
            raise ConfigError(f"Argon2id lanes must be 1–{_MAX_LANES}")
        if not 8 * self.lanes <= self.memory_kib <= _MAX_MEMORY_KIB:
            raise ConfigError("Argon2id memory must be 8 KiB per lane up to 4 GiB")
        if not 1 <= self.iterations <= _MAX_ITERATIONS:
            raise ConfigError(f"Argon2id iterations must be 1–{_MAX_ITERATIONS}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "algorithm": "argon2id",
            "memory_kib": self.memory_kib,
            "iterations": self.iterations,
            "lanes": self.lanes,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> KdfParams:
        """Read stored parameters; anything unexpected raises :class:`CryptoError`."""
        try:
            if data["algorithm"] != "argon2id":
                raise CryptoError("unknown key derivation algorithm")
            return cls(int(data["memory_kib"]), int(data["iterations"]), int(data["lanes"]))
        except (KeyError, TypeError, ValueError, ConfigError) as exc:
            raise CryptoError("stored key derivation parameters are malformed") from exc


PRODUCTION = KdfParams(memory_kib=47104, iterations=1, lanes=1)
TESTING = KdfParams(memory_kib=64, iterations=1, lanes=1)


def meets_owasp_minimum(params: KdfParams) -> bool:
    """True if ``params`` cost at least one of OWASP's minimum configurations.

    More lanes do not lower the bar: the attacker's work is set by memory × passes.
    """
    return any(
        params.memory_kib >= memory and params.iterations >= passes
        for memory, passes in OWASP_MINIMUMS
    )


def derive_argon2id(secret: bytes, *, salt: bytes, params: KdfParams, length: int = 32) -> bytes:
    """Run Argon2id once over ``secret`` (a passphrase or normalised receipt)."""
    if len(salt) < MIN_SALT_BYTES:
        raise CryptoError("Argon2id salt must be at least 16 bytes")
    kdf = Argon2id(
        salt=salt,
        length=length,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    )
    return kdf.derive(secret)
