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

    Raises :class:`MalformedReceipt` if the text cannot be a receipt (a foreign symbol,
    the wrong number of symbols or a failed check symbol).
    """
    if len(text) > _MAX_INPUT_CHARS:
        raise MalformedReceipt("too long to be a receipt")
    symbols = "".join(_symbols_in(text))
    if len(symbols) != RECEIPT_SYMBOLS:
        raise MalformedReceipt("a receipt has 21 symbols")
    if _check_symbol(symbols[:DATA_SYMBOLS]) != symbols[DATA_SYMBOLS]:
        raise MalformedReceipt("check symbol does not match")
    return symbols


def _symbols_in(text: str) -> list[str]:
    # NFKC folds full-width digits and letters from phone keyboards and input methods
    # into ASCII, and non-breaking spaces into spaces (Unicode UAX #15).
    symbols = []
    for char in unicodedata.normalize("NFKC", text).upper():
        symbol = _ALIASES.get(char, char)
        if symbol in _VALUES:
            symbols.append(symbol)
        elif symbol.isalnum():
            raise MalformedReceipt("not a receipt symbol")
        # anything else (space, dash, dot, underscore, slash …) is a separator
    return symbols


def _check_symbol(data: str) -> str:
    return ALPHABET[check_value([_VALUES[symbol] for symbol in data])]
