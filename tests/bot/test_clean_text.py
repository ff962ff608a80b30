"""Incoming text loses the characters a person cannot see but software acts on."""

from __future__ import annotations

import pytest

from bot.router import clean_text

INVISIBLE = {
    "zero width space": "\u200b",
    "right-to-left override": "\u202e",
    "first strong isolate": "\u2068",
    "byte order mark / zero width no-break space": "\ufeff",
    "word joiner": "\u2060",
    "invisible times": "\u2062",
    "soft hyphen": "\u00ad",
    "Arabic letter mark": "\u061c",
    "Mongolian vowel separator": "\u180e",
    "interlinear annotation anchor": "\ufff9",
    "tag space": "\U000e0020",
    "tag latin small letter a": "\U000e0061",
    "cancel tag": "\U000e007f",
    "language tag": "\U000e0001",
    "lone high surrogate": "\ud800",
    "lone low surrogate": "\udfff",
    "start of a person's words (the core's own mark)": "\ue000",
    "end of a person's words (the core's own mark)": "\ue001",
}


@pytest.mark.parametrize("name", sorted(INVISIBLE))
def test_invisible_characters_are_removed(name: str) -> None:
    char = INVISIBLE[name]
    assert clean_text(f"{char}vertrouwens{char}persoon{char}") == "vertrouwenspersoon"


def test_text_of_only_invisible_characters_is_empty() -> None:
    assert clean_text("".join(INVISIBLE.values()) + "\u2028\u2029") == ""


def test_tag_characters_cannot_smuggle_hidden_ascii() -> None:
    # "ignore" spelt in tag letters renders as nothing at all.
    hidden = "".join(chr(0xE0000 + ord(letter)) for letter in "ignore")
    assert clean_text(f"hallo{hidden}") == "hallo"


@pytest.mark.parametrize("separator", ["\u2028", "\u2029"])
def test_line_and_paragraph_separators_become_plain_line_breaks(separator: str) -> None:
    # They end a line (and a JavaScript string literal before ES2019) but are invisible in
    # most log viewers; a plain newline keeps the person's line break and the word boundary.
    assert clean_text(f"eerste regel{separator}tweede regel") == "eerste regel\ntweede regel"


def test_cleaned_text_can_always_be_written_as_utf8() -> None:
    assert clean_text("melding \ud83d").encode("utf-8") == b"melding"


def test_visible_text_stays() -> None:
    text = "Naïve café — 'zo'n' collega's\nnieuwe regel\tmet tab 🙂 👍🏽 ❤️"
    assert clean_text(text) == text
