"""Receipts: the one secret an anonymous reporter keeps to come back to their signal.

A receipt is 20 data symbols from Crockford's base32 alphabet (5 bits each, 100 bits drawn
from :mod:`secrets`) and one check symbol (see :mod:`bot.seal.receipt_check`), shown as
``7K3M-Q9TX-A2BD-EFGH-JKMN-P``. It is never stored; the server keeps only the keyed index
and the wraps made from it (:mod:`bot.seal.index`).

Reading one back forgives what people do when copying by hand (Crockford, "Base 32",
https://www.crockford.com/base32.html): any case, ``I`` and ``L`` read as ``1``, ``O`` as
``0``, and spaces, dashes, dots and other punctuation between symbols are ignored.
"""

from __future__ import annotations

import math
import secrets
import unicodedata
from dataclasses import dataclass, field

from bot.errors import MalformedReceipt
from bot.seal.receipt_check import check_value

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DATA_SYMBOLS = 20
RECEIPT_SYMBOLS = DATA_SYMBOLS + 1
ENTROPY_BITS = DATA_SYMBOLS * math.log2(len(ALPHABET))
GROUP = 4
# Look-alikes Crockford decodes on input; U stays an error (it is never issued).
_ALIASES = {"I": "1", "L": "1", "O": "0"}
_VALUES = {symbol: value for value, symbol in enumerate(ALPHABET)}
# Far above any honest paste (21 symbols plus separators); bounds the work on junk input.
_MAX_INPUT_CHARS = 200


@dataclass(frozen=True, slots=True)
class Receipt:
    """A freshly issued receipt. Its ``repr`` hides the value so it cannot slip into a log."""

    normalised: str = field(repr=False)

    def __repr__(self) -> str:
        return "Receipt(<hidden>)"

    def display(self) -> str:
        """The form shown to the reporter: groups of four, the check symbol last."""
        return format_receipt(self.normalised)


def new_receipt() -> Receipt:
    """Draw 100 bits from the CSPRNG and append the check symbol."""
    data = "".join(secrets.choice(ALPHABET) for _ in range(DATA_SYMBOLS))
    return Receipt(data + _check_symbol(data))


def format_receipt(normalised: str) -> str:
    """``ABCDEFGHJKMNPQRSTVWXY`` → ``ABCD-EFGH-JKMN-PQRS-TVWX-Y``."""
    return "-".join(normalised[i : i + GROUP] for i in range(0, len(normalised), GROUP))


def normalise_receipt(text: str) -> str:
    """The canonical 21 symbols of a typed or pasted receipt.

    Raises :class:`MalformedReceipt` if the text cannot be a receipt; its ``code`` is the
    :class:`ReceiptMistake` kind.
    """
    mistake = receipt_mistake(text)
    if mistake is not None:
        raise MalformedReceipt(mistake.kind, code=mistake.kind)
    return "".join(receipt_symbols(text) or ())


@dataclass(frozen=True, slots=True)
class ReceiptMistake:
    """Why typed text is no receipt, read from the text alone (no look-up, nothing counted).

    ``kind`` is ``receipt_length`` (``symbols`` says how many there are), ``receipt_check``
    (21 symbols, but the check symbol does not match: one was mistyped), ``receipt_symbol``
    (a letter or digit no receipt has) or ``malformed_receipt`` (empty or far too long).
    """

    kind: str
    symbols: int = 0


def receipt_mistake(text: str) -> ReceiptMistake | None:
    """What is wrong with ``text`` as a receipt, or None when it is one."""
    if len(text) > _MAX_INPUT_CHARS:
        return ReceiptMistake("malformed_receipt")
    symbols = receipt_symbols(text)
    if symbols is None:
        return ReceiptMistake("receipt_symbol")
    if not symbols:
        return ReceiptMistake("malformed_receipt")
    if len(symbols) != RECEIPT_SYMBOLS:
        return ReceiptMistake("receipt_length", len(symbols))
    if _check_symbol("".join(symbols[:DATA_SYMBOLS])) != symbols[DATA_SYMBOLS]:
        return ReceiptMistake("receipt_check", len(symbols))
    return None


def receipt_symbols(text: str) -> list[str] | None:
    """The receipt symbols in ``text`` (look-alikes read as Crockford does), or None when a
    letter or digit in it is none (``U``, ``é``)."""
    # NFKC folds full-width digits and letters from phone keyboards and input methods
    # into ASCII, and non-breaking spaces into spaces (Unicode UAX #15).
    symbols = []
    for char in unicodedata.normalize("NFKC", text).upper():
        symbol = _ALIASES.get(char, char)
        if symbol in _VALUES:
            symbols.append(symbol)
        elif symbol.isalnum():
            return None
        # anything else (space, dash, dot, underscore, slash …) is a separator
    return symbols


def _check_symbol(data: str) -> str:
    return ALPHABET[check_value([_VALUES[symbol] for symbol in data])]
