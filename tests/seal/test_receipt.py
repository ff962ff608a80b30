from __future__ import annotations

import math
import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bot.errors import InputError, MalformedReceipt
from bot.seal.receipt import (
    ALPHABET,
    DATA_SYMBOLS,
    ENTROPY_BITS,
    RECEIPT_SYMBOLS,
    Receipt,
    ReceiptMistake,
    format_receipt,
    new_receipt,
    normalise_receipt,
    receipt_mistake,
)
from bot.seal.receipt_check import check_value


def _with_check_symbol(data: str) -> Receipt:
    # Deterministic in hypothesis' data, so examples shrink and replay.
    check = ALPHABET[check_value([ALPHABET.index(symbol) for symbol in data])]
    return Receipt(data + check)


receipts = st.text(alphabet=ALPHABET, min_size=DATA_SYMBOLS, max_size=DATA_SYMBOLS).map(
    _with_check_symbol
)
separators = st.text(alphabet=" -._/\t\u00a0,:", max_size=3)
confusables = {"1": "IiLl1", "0": "Oo0"}


def test_entropy_is_at_least_100_bits_from_alphabet_and_length() -> None:
    assert len(set(ALPHABET)) == 32
    assert DATA_SYMBOLS * math.log2(len(ALPHABET)) >= 100
    assert ENTROPY_BITS >= 100


def test_alphabet_is_crockfords() -> None:
    assert not set("ILOU") & set(ALPHABET)
    assert ALPHABET == "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def test_display_groups_of_four_with_check_symbol_last() -> None:
    shown = new_receipt().display()
    assert re.fullmatch(r"([0-9A-HJKMNP-TV-Z]{4}-){5}[0-9A-HJKMNP-TV-Z]", shown)


def test_repr_and_str_hide_the_value() -> None:
    receipt = new_receipt()
    for text in (repr(receipt), str(receipt), f"{receipt}", repr([receipt])):
        assert receipt.normalised not in text
        assert receipt.normalised[:4] not in text


def test_new_receipts_differ_and_are_valid() -> None:
    issued = [new_receipt() for _ in range(200)]
    assert len({receipt.normalised for receipt in issued}) == 200
    assert all(normalise_receipt(r.display()) == r.normalised for r in issued)


def test_malformed_receipt_is_an_input_error() -> None:
    with pytest.raises(InputError) as caught:
        normalise_receipt("hello")
    assert caught.value.code == "receipt_length"


@pytest.mark.parametrize(
    ("typed", "mistake"),
    [
        ("", ReceiptMistake("malformed_receipt")),
        ("-- --", ReceiptMistake("malformed_receipt")),
        ("A" * 500, ReceiptMistake("malformed_receipt")),
        ("7F60-GJRX-1EJS-Y89K-FZ36", ReceiptMistake("receipt_length", 20)),
        ("7F60-GJRX-1EJS-Y89K-FZ36-JJ", ReceiptMistake("receipt_length", 22)),
        ("7F60-GJRX-1EJS-Y89K-FZ36-K", ReceiptMistake("receipt_check", 21)),
        ("7F60-GJRX-1EJS-Y89K-FZ3U-J", ReceiptMistake("receipt_symbol")),
        ("7F60-GJRX-1EJS-Y89K-FZ36-J", None),
    ],
)
def test_what_is_wrong_is_read_from_the_typed_text(
    typed: str, mistake: ReceiptMistake | None
) -> None:
    assert receipt_mistake(typed) == mistake


@given(receipts, st.integers(0, RECEIPT_SYMBOLS - 1), st.sampled_from(ALPHABET))
def test_a_single_substitution_is_told_apart_from_a_wrong_length(
    receipt: Receipt, at: int, symbol: str
) -> None:
    assume(receipt.normalised[at] != symbol)
    typo = receipt.normalised[:at] + symbol + receipt.normalised[at + 1 :]
    assert receipt_mistake(format_receipt(typo)) == ReceiptMistake("receipt_check", 21)
    with pytest.raises(MalformedReceipt) as caught:
        normalise_receipt(typo)
    assert caught.value.code == "receipt_check"


@given(receipts, st.integers(0, RECEIPT_SYMBOLS - 1))
def test_a_dropped_symbol_is_told_as_a_length(receipt: Receipt, at: int) -> None:
    dropped = receipt.normalised[:at] + receipt.normalised[at + 1 :]
    assert receipt_mistake(dropped) == ReceiptMistake("receipt_length", 20)


@given(receipts)
def test_issued_receipts_normalise_to_themselves(receipt: Receipt) -> None:
    assert len(receipt.normalised) == RECEIPT_SYMBOLS
    assert normalise_receipt(receipt.normalised) == receipt.normalised
    assert normalise_receipt(receipt.display()) == receipt.normalised


@given(receipts, st.data())
def test_any_case_separators_and_lookalikes_normalise_the_same(
    receipt: Receipt, data: st.DataObject
) -> None:
    typed = ""
    for symbol in receipt.normalised:
        variants = confusables.get(symbol, symbol + symbol.lower())
        typed += data.draw(separators) + data.draw(st.sampled_from(variants))
    typed += data.draw(separators)
    assert normalise_receipt(typed) == receipt.normalised


@given(receipts)
def test_full_width_characters_are_folded(receipt: Receipt) -> None:
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in receipt.display())
    assert normalise_receipt(full_width) == receipt.normalised


@given(receipts, st.integers(0, RECEIPT_SYMBOLS - 1), st.sampled_from(ALPHABET))
def test_any_single_substitution_is_caught(receipt: Receipt, at: int, symbol: str) -> None:
    assume(receipt.normalised[at] != symbol)
    typo = receipt.normalised[:at] + symbol + receipt.normalised[at + 1 :]
    with pytest.raises(MalformedReceipt):
        normalise_receipt(typo)


@given(receipts, st.integers(0, RECEIPT_SYMBOLS - 2))
def test_any_adjacent_transposition_is_caught(receipt: Receipt, at: int) -> None:
    text = receipt.normalised
    assume(text[at] != text[at + 1])
    swapped = text[:at] + text[at + 1] + text[at] + text[at + 2 :]
    with pytest.raises(MalformedReceipt):
        normalise_receipt(swapped)


@given(receipts, st.integers(0, RECEIPT_SYMBOLS - 1), st.integers(0, RECEIPT_SYMBOLS - 1))
def test_any_transposition_at_any_distance_is_caught(receipt: Receipt, i: int, j: int) -> None:
    text = list(receipt.normalised)
    assume(text[i] != text[j])
    text[i], text[j] = text[j], text[i]
    with pytest.raises(MalformedReceipt):
        normalise_receipt("".join(text))


@given(receipts, st.integers(0, RECEIPT_SYMBOLS - 1))
def test_a_dropped_or_doubled_symbol_is_caught(receipt: Receipt, at: int) -> None:
    text = receipt.normalised
    for wrong in (text[:at] + text[at + 1 :], text[:at] + text[at] + text[at:]):
        with pytest.raises(MalformedReceipt):
            normalise_receipt(wrong)


@pytest.mark.parametrize("foreign", ["U", "u", "é", "Ω", "٣"])
def test_symbols_outside_the_alphabet_are_refused(foreign: str) -> None:
    text = new_receipt().normalised
    with pytest.raises(MalformedReceipt):
        normalise_receipt(text[:5] + foreign + text[6:])


@pytest.mark.parametrize("text", ["", "----", "A" * 500, "0" * 20])
def test_wrong_length_is_refused(text: str) -> None:
    with pytest.raises(MalformedReceipt):
        normalise_receipt(text)


def test_format_receipt_groups() -> None:
    assert format_receipt("0123456789ABCDEFGHJKM") == "0123-4567-89AB-CDEF-GHJK-M"
