"""The terminal desk in the adviser's language: a table with a header, labels, written dates."""

from __future__ import annotations

import contextlib
import getpass
import io
import re
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.stats.categories import OUTCOMES
from tests.signals.test_cli import (
    MESSAGES,
    PASSPHRASE,
    Cli,
    command_line,
    environment,
    leave_signal,
    reporter_reads,
    rows,
)

DUTCH = "Canary-Name-nl1"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
MONTHS = {
    "nl": "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december",
    "en": "January|February|March|April|May|June|July|August|September|October|November|December",
}
LABELS = {  # what the form showed for kinds sexual,bullying, when=week, reply in Dutch
    "nl": ("Seksuele intimidatie, Pesten", "Deze week", "Nederlands", "verantwoordelijk"),
    "en": ("Sexual harassment, Bullying", "This week", "Dutch", "responsible"),
}


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    environment(monkeypatch, tmp_path / "data")
    return tmp_path / "data"


@pytest.fixture
def cli(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    return command_line(monkeypatch)


def t(lang: str, key: str, **values: str) -> str:
    return MESSAGES.text(lang, key, **values)


def adviser_in(cli: Cli, lang: str) -> str:
    name = DUTCH if lang == "nl" else f"Canary-Name-{lang}2"
    ran = cli("adviser", "add", name, "--language", lang, stdin=PASSPHRASE + "\n")
    assert ran.code == 0, ran.err
    return name


def written(lang: str, text: str) -> bool:
    return re.fullmatch(rf"\d{{1,2}} ({MONTHS[lang]}) \d{{4}}", text) is not None


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_inbox_has_a_header_row_and_speaks_the_advisers_language(
    cli: Cli, data_dir: Path, lang: str
) -> None:
    name = adviser_in(cli, lang)
    leave_signal(data_dir, "Canary-Text-dc1")
    inbox = cli("adviser", "inbox", name, stdin=PASSPHRASE + "\n")
    assert inbox.code == 0, inbox.err
    header = re.split(r" {2,}", inbox.out.splitlines()[0])
    columns = ("signal", "age", "role", "ack", "feedback", "new")
    assert header == [t(lang, f"adviser.column_{column}") for column in columns]
    ((_, age, role, ack, feedback, new),) = rows(inbox.out)
    assert (age, role, feedback, new) == ("0", LABELS[lang][3], "-", "1")
    assert written(lang, ack), ack
    assert not ISO_DATE.search(inbox.out)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_an_opened_signal_shows_the_labels_of_the_form(cli: Cli, data_dir: Path, lang: str) -> None:
    name = adviser_in(cli, lang)
    leave_signal(
        data_dir, "Canary-Text-dc2", kinds="sexual,bullying", when="week", adviser_language="nl"
    )
    (row,) = rows(cli("adviser", "inbox", name, stdin=PASSPHRASE + "\n").out)
    opened = cli("adviser", "open", name, row[0], stdin=PASSPHRASE + "\n")
    assert opened.code == 0, opened.err
    kinds, when, reply_in, _ = LABELS[lang]
    assert f"{t(lang, 'adviser.field_kinds')}: {kinds}\n" in opened.out
    assert f"{t(lang, 'adviser.field_when')}: {when}\n" in opened.out
    assert f"{t(lang, 'adviser.field_reply_language')}: {reply_in}" in opened.out
    assert f", {t(lang, 'adviser.status_open')})" in opened.out
    assert "sexual" not in opened.out and "bullying" not in opened.out and "**" not in opened.out
    assert not ISO_DATE.search(opened.out)
    # Opened, so nothing in it is new any more.
    (after,) = rows(cli("adviser", "inbox", name, stdin=PASSPHRASE + "\n").out)
    assert after[5] == "0"


def test_failed_attempts_are_dated_in_words(cli: Cli, data_dir: Path) -> None:
    name = adviser_in(cli, "nl")
    assert cli("adviser", "inbox", name, stdin="not-the-passphrase\n").code == 2
    ran = cli("adviser", "inbox", name, stdin=PASSPHRASE + "\n")
    found = re.search(r"sinds je vorige keer, op (.+?)\.", ran.out)
    assert found and written("nl", found.group(1)), ran.out


def label(lang: str, outcome: str) -> str:
    return t(lang, f"adviser.outcome_{outcome.replace('-', '_')}")


def names_of_outcomes(lang: str) -> str:
    return "\n".join(f"- {outcome}: {label(lang, outcome)}" for outcome in OUTCOMES)


def closed_as(lang: str, outcome: str) -> str:
    return t(lang, "adviser.closed_as", outcome=label(lang, outcome))


@pytest.mark.parametrize(
    ("lang", "extra", "key"),
    [
        ("nl", (), "adviser.close_needs_outcome"),
        ("en", ("--yes",), "adviser.close_needs_outcome"),
        ("nl", ("--outcome", "advice"), "adviser.close_needs_yes"),
        ("en", ("--outcome", "bogus", "--yes"), "adviser.outcome_name_unknown"),
        ("nl", ("--outcome", "Advice", "--yes"), "adviser.outcome_name_unknown"),
    ],
)
def test_closing_without_a_terminal_needs_the_outcome_and_yes_and_changes_nothing(
    cli: Cli, data_dir: Path, lang: str, extra: tuple[str, ...], key: str
) -> None:
    name = adviser_in(cli, lang)
    receipt = leave_signal(data_dir, "Canary-Text-dc3")
    (row,) = rows(cli("adviser", "inbox", name, stdin=PASSPHRASE + "\n").out)
    refused = cli("adviser", "close", name, row[0], *extra, stdin=PASSPHRASE + "\n")
    assert refused.code == 2
    assert t(lang, key, names=names_of_outcomes(lang)) in refused.err
    if key != "adviser.close_needs_yes":
        assert "- complaint-committee: " in refused.err, "the names to choose from"
    assert len(rows(cli("adviser", "inbox", name, stdin=PASSPHRASE + "\n").out)) == 1
    assert "closed" not in reporter_reads(data_dir, receipt)


class Terminal(io.StringIO):
    """What the adviser types, on a terminal."""

    def isatty(self) -> bool:
        return True


def close_on_a_terminal(
    cli: Cli, data_dir: Path, monkeypatch: pytest.MonkeyPatch, answer: str, *extra: str
) -> tuple[int, str, str, bool]:
    """Close a new signal on a terminal: the exit code, what was shown, the signal's short
    id, and whether the inbox is empty afterwards."""
    name = adviser_in(cli, "nl")
    leave_signal(data_dir, "Canary-Text-dc4")
    (row,) = rows(cli("adviser", "inbox", name, stdin=PASSPHRASE + "\n").out)
    monkeypatch.setattr(getpass, "getpass", lambda prompt: PASSPHRASE)
    with monkeypatch.context() as typing:
        typing.setattr(sys, "stdin", Terminal(answer + "\n"))
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["adviser", "close", name, row[0], *extra])
    left = cli("adviser", "inbox", name, stdin=PASSPHRASE + "\n").out
    empty = left.strip() == t("nl", "adviser.inbox_empty")
    return code, out.getvalue() + err.getvalue(), row[0], empty


@pytest.mark.parametrize(("answer", "closes"), [("nee", False), ("", False), ("JA", True)])
def test_on_a_terminal_closing_with_an_outcome_asks_first(
    cli: Cli, data_dir: Path, monkeypatch: pytest.MonkeyPatch, answer: str, closes: bool
) -> None:
    code, shown, short, empty = close_on_a_terminal(
        cli, data_dir, monkeypatch, answer, "--outcome", "no-contact"
    )
    assert code == 0
    no_contact = label("nl", "no-contact")
    assert t("nl", "adviser.close_confirm", id=short, outcome=no_contact) in shown
    assert t("nl", "adviser.close_prompt") in shown
    expected = closed_as("nl", "no-contact") if closes else t("nl", "adviser.close_kept")
    assert shown.rstrip().endswith(expected)
    assert empty == closes


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [("1", "advice"), (" 4 ", "referred-outside"), ("7", "withdrawn"), ("informal", "informal")],
)
def test_on_a_terminal_without_an_outcome_a_numbered_list_asks_and_the_pick_closes(
    cli: Cli, data_dir: Path, monkeypatch: pytest.MonkeyPatch, answer: str, outcome: str
) -> None:
    code, shown, short, empty = close_on_a_terminal(cli, data_dir, monkeypatch, answer)
    assert code == 0
    assert t("nl", "adviser.close_choose", id=short) in shown
    assert "Afsluiten kun je niet terugdraaien." in shown, "picking one is the confirmation"
    for number, each in enumerate(OUTCOMES, start=1):
        assert f"  {number}. {label('nl', each)}\n" in shown
    assert t("nl", "adviser.close_pick_prompt") in shown
    assert t("nl", "adviser.close_prompt") not in shown, "no second question"
    assert shown.rstrip().endswith(closed_as("nl", outcome))
    assert empty


@pytest.mark.parametrize(("answer", "code"), [("", 0), ("0", 2), ("8", 2), ("ja", 2), ("-1", 2)])
def test_on_a_terminal_no_pick_or_a_wrong_one_closes_nothing(
    cli: Cli, data_dir: Path, monkeypatch: pytest.MonkeyPatch, answer: str, code: int
) -> None:
    ran, shown, _, empty = close_on_a_terminal(cli, data_dir, monkeypatch, answer, "--yes")
    assert ran == code
    expected = "adviser.close_kept" if code == 0 else "adviser.close_pick_unknown"
    assert shown.rstrip().endswith(t("nl", expected))
    assert not empty


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_wrong_passphrase_is_told_in_the_advisers_language(cli: Cli, lang: str) -> None:
    name = adviser_in(cli, lang)
    ran = cli("adviser", "inbox", name, stdin="not-the-passphrase\n")
    assert ran.code == 2
    assert t(lang, "adviser.wrong_passphrase") in ran.err
    assert "does not unlock" not in ran.err  # the key store's own words, for the log
