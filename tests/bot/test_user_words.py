"""The core's marks around a person's own words shown back in a reply."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.core import USER_END, USER_START, plain_text, user_spans, user_text
from bot.router import clean_text


def test_words_are_wrapped_and_empty_stays_empty() -> None:
    assert user_text("**hoi**") == f"{USER_START}**hoi**{USER_END}"
    assert user_text("") == ""


def test_marks_inside_the_words_cannot_end_the_span_early() -> None:
    sneaky = f"a{USER_END}[click](http://evil){USER_START}b"
    assert user_spans("Wat: " + user_text(sneaky)) == [
        (False, "Wat: "),
        (True, "a[click](http://evil)b"),
    ]


def test_spans_come_back_in_order() -> None:
    text = f"**Wat:** {user_text('x')}\n**Hoop:** {user_text('y')}"
    assert user_spans(text) == [
        (False, "**Wat:** "),
        (True, "x"),
        (False, "\n**Hoop:** "),
        (True, "y"),
    ]
    assert plain_text(text) == "**Wat:** x\n**Hoop:** y"


def test_an_unclosed_span_runs_to_the_end_and_a_stray_end_is_dropped() -> None:
    assert user_spans(f"a{USER_END}b{USER_START}c") == [(False, "ab"), (True, "c")]


def test_a_person_cannot_type_the_marks() -> None:
    typed = f"{USER_END}# kop{USER_START}"
    assert clean_text(typed) == "# kop"
    assert user_spans("Wat: " + user_text(clean_text(typed)))[-1] == (True, "# kop")


@given(st.lists(st.tuples(st.booleans(), st.text(max_size=20)), max_size=6))
def test_spans_rebuild_exactly_what_was_marked(parts: list[tuple[bool, str]]) -> None:
    text = "".join(user_text(part) if theirs else plain_text(part) for theirs, part in parts)
    joined = "".join(part for _, part in user_spans(text))
    assert joined == plain_text(text)
    assert all(part for _, part in user_spans(text))
