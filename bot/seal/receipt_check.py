"""The receipt's check symbol: one parity symbol over GF(32), drawn from the same alphabet.

Crockford's own check symbol is the value mod 37 and needs five extra symbols
(``* ~ $ = U``) that are awkward to read aloud, type on a phone or copy, and ``U`` is a
data symbol nowhere else. We use a code that stays inside the 32 symbols instead: read
each symbol as an element of GF(2^5) (polynomial x^5 + x^2 + 1, which is primitive, so
x generates all 31 non-zero elements), give position i the weight x^(i+1) and the check
position the weight 1, and choose the check so the weighted sum is zero.

Because the 21 weights are distinct non-zero field elements, this code detects

* every single-symbol substitution anywhere (weight·difference is never zero in a field);
* every transposition of two *different* symbols at *any* two positions, adjacent or not
  (the change is (w_i - w_j)·(a - b), a product of two non-zero elements).

That is strictly more than mod 37 promises for adjacent transpositions. As with any single
check symbol, about one random garbling in 32 still passes; the keyed lookup then simply
finds nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

FIELD_POLYNOMIAL = 0b100101  # x^5 + x^2 + 1
FIELD_SIZE = 32
GENERATOR = 0b00010  # the element x


def field_multiply(left: int, right: int) -> int:
    """Multiply two elements of GF(2^5) (carry-less product reduced by the polynomial)."""
    product = 0
    while right:
        if right & 1:
            product ^= left
        right >>= 1
        left <<= 1
        if left & FIELD_SIZE:
            left ^= FIELD_POLYNOMIAL
    return product


def position_weights(count: int) -> tuple[int, ...]:
    """x^1 … x^count: distinct and never 1 while count < 31, so never the check's weight."""
    if not 0 < count < FIELD_SIZE - 1:
        raise ValueError("GF(32) has distinct weights for at most 30 data symbols")
    weights = [GENERATOR]
    while len(weights) < count:
        weights.append(field_multiply(weights[-1], GENERATOR))
    return tuple(weights)


def check_value(data_values: Sequence[int]) -> int:
    """The check symbol's value (0–31) for the data symbols' values, in order."""
    total = 0
    for weight, value in zip(position_weights(len(data_values)), data_values, strict=True):
        total ^= field_multiply(weight, value)  # addition in GF(2^k) is XOR
    return total
