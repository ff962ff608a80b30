from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.seal.receipt_check import FIELD_SIZE, GENERATOR, field_multiply, position_weights

elements = st.integers(0, FIELD_SIZE - 1)


def test_generator_has_order_31_so_weights_are_distinct() -> None:
    power, order = GENERATOR, 1
    while power != 1:
        power, order = field_multiply(power, GENERATOR), order + 1
    assert order == FIELD_SIZE - 1
    weights = position_weights(20)
    assert len(set(weights)) == 20 and 1 not in weights and 0 not in weights


@given(elements, elements)
def test_multiplication_commutes_and_has_no_zero_divisors(a: int, b: int) -> None:
    assert field_multiply(a, b) == field_multiply(b, a)
    assert (field_multiply(a, b) == 0) == (a == 0 or b == 0)


@given(elements, elements, elements)
def test_multiplication_distributes_over_xor(a: int, b: int, c: int) -> None:
    assert field_multiply(a, b ^ c) == field_multiply(a, b) ^ field_multiply(a, c)
