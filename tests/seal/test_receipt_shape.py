"""A receipt typed among words is spotted by its shape; ordinary words and numbers are not."""

from __future__ import annotations

import pytest

from bot.seal.receipt import new_receipt
from bot.seal.receipt_shape import contains_receipt

RECEIPT = "7F60-GJRX-1EJS-Y89K-FZ36-J"


@pytest.mark.parametrize(
    "text",
    [
        RECEIPT,
        RECEIPT.replace("-", ""),
        RECEIPT.lower(),
        RECEIPT.replace("-", " "),
        RECEIPT.replace("-", " ").lower(),
        "7F60-GJRX 1EJS-Y89K FZ36J",
        f"mijn ontvangstcode is {RECEIPT}, kun je kijken?",
        f"Code:{RECEIPT}.",
        f"hier: ({RECEIPT.replace('-', '')})",
        "7F6O-GJRX-IEJS-Y89K-FZ36-J",  # look-alikes as people type them
        "7F60-GJRX-1EJS-Y89K-FZ36-K",  # a typo in the check symbol is as secret
        "7F60-GJRX-1EJS-Y89K-FZU6-J",  # U for V: never issued, still a copy of one
        "７Ｆ６０ＧＪＲＸ１ＥＪＳＹ８９ＫＦＺ３６Ｊ",  # full-width, from a phone keyboard
    ],
)
def test_a_receipt_is_found_however_it_is_typed(text: str) -> None:
    assert contains_receipt(text)


def test_every_issued_receipt_is_found_in_each_shape() -> None:
    for _ in range(200):
        shown = new_receipt().display()
        if not any(c.isdigit() for c in shown) or not any(c.isalpha() for c in shown):
            continue  # one in thousands: no digit at all; indistinguishable from a word
        for typed in (shown, shown.replace("-", ""), shown.replace("-", " "), shown.lower()):
            assert contains_receipt(f"ik heb {typed} gekregen")


@pytest.mark.parametrize(
    "text",
    [
        "ik ben 34 jaar en werk bij de gemeente",
        "Mijn collega zegt steeds dingen over arbeidsongeschiktheid en ziekteverzuimbegeleiding",
        "arbeidsongeschiktheid",  # 21 letters, no digit
        "mijn postcode is 1234 AB en mijn nummer is 06-12345678",
        "bel me op +31 6 1234 5678 of 0201234567",
        "NL91 ABNA 0417 1643 00",  # a Dutch IBAN: 18 symbols
        "zaak 2024 naar team 4 HR nu snel",
        "7F60-GJRX-1EJS-Y89K-FZ36",  # a part of a receipt is no receipt
        "7F60-GJRX-1EJS-Y89K-FZ36-JK",  # nor one symbol too many
        "ik heb mijn code verloren",
        "",
    ],
)
def test_ordinary_words_and_numbers_are_no_receipt(text: str) -> None:
    assert not contains_receipt(text)
