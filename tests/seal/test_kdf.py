from __future__ import annotations

import pytest

from bot.errors import ConfigError, CryptoError
from bot.seal.kdf import (
    OWASP_MINIMUMS,
    PRODUCTION,
    TESTING,
    KdfParams,
    derive_argon2id,
    meets_owasp_minimum,
)


def test_production_meets_owasp_minimum() -> None:
    assert meets_owasp_minimum(PRODUCTION)
    assert (PRODUCTION.memory_kib, PRODUCTION.iterations, PRODUCTION.lanes) == (47104, 1, 1)


def test_testing_preset_does_not_pass_for_production() -> None:
    assert not meets_owasp_minimum(TESTING)


@pytest.mark.parametrize(("memory", "passes"), OWASP_MINIMUMS)
def test_each_owasp_configuration_is_accepted_and_just_below_is_not(
    memory: int, passes: int
) -> None:
    assert meets_owasp_minimum(KdfParams(memory, passes, 1))
    assert meets_owasp_minimum(KdfParams(memory * 2, passes + 1, 4))
    # The options trade memory for passes, so a KiB or a pass less fails all of them.
    assert not meets_owasp_minimum(KdfParams(memory - 1, passes, 1))
    assert passes == 1 or not meets_owasp_minimum(KdfParams(memory, passes - 1, 1))


def test_settings_default_and_19_mib_option() -> None:
    assert meets_owasp_minimum(KdfParams(19456, 2))
    assert not meets_owasp_minimum(KdfParams(19456, 1))
    assert not meets_owasp_minimum(KdfParams(47103, 1))


@pytest.mark.parametrize(
    "args", [(7, 1, 1), (64, 0, 1), (64, 1, 0), (16, 1, 4), (8 * 1024 * 1024, 1, 1)]
)
def test_unusable_params_are_refused(args: tuple[int, int, int]) -> None:
    with pytest.raises(ConfigError):
        KdfParams(*args)


def test_params_round_trip_and_bad_records_are_crypto_errors() -> None:
    assert KdfParams.from_dict(PRODUCTION.to_dict()) == PRODUCTION
    for bad in (
        {},
        {**TESTING.to_dict(), "algorithm": "scrypt"},
        {**TESTING.to_dict(), "lanes": 0},
    ):
        with pytest.raises(CryptoError):
            KdfParams.from_dict(bad)


def test_derive_is_deterministic_and_salted() -> None:
    salt = bytes(16)
    one = derive_argon2id(b"secret", salt=salt, params=TESTING)
    assert one == derive_argon2id(b"secret", salt=salt, params=TESTING)
    assert one != derive_argon2id(b"secret", salt=bytes([1]) * 16, params=TESTING)
    assert one != derive_argon2id(b"secret", salt=salt, params=KdfParams(128, 1))
    assert len(one) == 32


def test_short_salt_is_refused() -> None:
    with pytest.raises(CryptoError):
        derive_argon2id(b"secret", salt=bytes(8), params=TESTING)
