"""The ``meldwijzer`` command as a newcomer and other tools use it."""

from __future__ import annotations

import io
import json
import sqlite3
import sys
import tomllib
from pathlib import Path

import pytest

from bot.cli import main
from bot.recovery import new_recovery_pair
from knowledge.facts import FACTS_FILE
from knowledge.loader import SHIPPED_CONTENT
from knowledge.model import TOPIC_IDS


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("MELDWIJZER_DATA_DIR", str(folder))
    monkeypatch.delenv("MELDWIJZER_KNOWLEDGE_DIR", raising=False)
    return folder


def run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *argv: str, stdin: str = ""
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ask_json_reads_one_utterance_per_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = "wat doet een vertrouwenspersoon\nI saw a colleague being bullied\n\nik wil dood\n"
    code, out, _ = run(monkeypatch, capsys, "ask", stdin=lines)
    assert code == 0
    results = [json.loads(line) for line in out.splitlines()]
    assert len(results) == 3, "blank lines are skipped"
    for result in results:
        assert {"text", "topic", "score", "lang", "alternatives"} <= set(result)
        assert result["topic"] in TOPIC_IDS
        assert isinstance(result["alternatives"], list)
    assert results[0]["topic"] == "confidential-adviser" and results[0]["lang"] == "nl"
    assert results[1]["topic"] == "bystander" and results[1]["lang"] == "en"
    assert results[2]["topic"] == "crisis", "crisis is checked before anything else"


def test_ask_with_text_and_language(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        monkeypatch,
        capsys,
        "ask",
        "--lang",
        "en",
        "--json",
        "how",
        "do",
        "I",
        "file",
        "a",
        "complaint",
    )
    assert code == 0
    result = json.loads(out)
    assert result["topic"] == "complaint" and result["lang"] == "en"
    code, out, _ = run(monkeypatch, capsys, "ask", "hoe", "dien", "ik", "een", "klacht", "in")
    assert out.split("\t")[0] == "complaint"


def test_knowledge_check_passes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(monkeypatch, capsys, "knowledge", "check")
    assert code == 0, out
    assert "OK" in out


def test_broken_overlay_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    overlay = tmp_path / "overlay" / "nl"
    overlay.mkdir(parents=True)
    (overlay / "options.md").write_text("---\nid: options\n: : broken\n---\n")
    monkeypatch.setenv("MELDWIJZER_KNOWLEDGE_DIR", str(overlay.parent))
    code, _, err = run(monkeypatch, capsys, "ask", "hallo")
    assert code == 2
    assert err.startswith("meldwijzer: ") and "options.md" in err
    assert "Traceback" not in err


def test_broken_config_is_one_clear_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MELDWIJZER_ENV", "staging")
    code, _, err = run(monkeypatch, capsys, "db", "upgrade")
    assert code == 2 and "MELDWIJZER_ENV" in err and "Traceback" not in err


def test_db_upgrade_creates_the_schema(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(monkeypatch, capsys, "db", "upgrade")
    assert code == 0 and "revision" in out
    with sqlite3.connect(data_dir / "meldwijzer.db") as db:
        tables = {row[0] for row in db.execute("select name from sqlite_master where type='table'")}
    assert {"conversations", "alembic_version"} <= tables
    assert run(monkeypatch, capsys, "db", "upgrade")[0] == 0, "upgrading twice is harmless"


def test_corrupt_database_is_a_clear_error(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir.mkdir()
    (data_dir / "meldwijzer.db").write_bytes(b"garbage" * 1000)
    code, _, err = run(monkeypatch, capsys, "db", "upgrade")
    assert code == 2 and "database" in err and "Traceback" not in err


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_chat_is_scriptable_from_stdin(
    lang: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    script = "1\n1\n"
    code, out, _ = run(monkeypatch, capsys, "chat", "--lang", lang, stdin=script)
    assert code == 0
    assert "Meldwijzer" in out
    assert "  1) " in out


@pytest.mark.parametrize(
    ("lang_variable", "welcome"),
    [("en_GB.UTF-8", "Hi, I'm Meldwijzer"), ("de_DE.UTF-8", "Hoi, ik ben"), ("C", "Hoi, ik ben")],
)
def test_chat_without_lang_follows_the_terminal_locale_when_dutch_or_english(
    lang_variable: str,
    welcome: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", lang_variable)
    code, out, _ = run(monkeypatch, capsys, "chat", stdin="")
    assert code == 0
    assert welcome in out


@pytest.mark.parametrize("recovery", [True, False])
def test_a_chat_turn_states_the_configured_retention_and_recovery_key(
    recovery: bool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # An overlay privacy topic that states both facts where the privacy dialog shows them.
    overlay = tmp_path / "overlay" / "nl"
    overlay.mkdir(parents=True)
    shipped = (SHIPPED_CONTENT / "nl" / "privacy.md").read_text(encoding="utf-8")
    heading = next(line for line in shipped.splitlines() if line.endswith("{#data}"))
    facts = "Na {{retention_days}} dagen is het weg. {{recovery_key}}"
    (overlay / "privacy.md").write_text(shipped.replace(heading, f"{heading}\n{facts}\n"))
    monkeypatch.setenv("MELDWIJZER_KNOWLEDGE_DIR", str(overlay.parent))
    monkeypatch.setenv("MELDWIJZER_RETENTION_DAYS", "42")
    monkeypatch.setenv("MELDWIJZER_RECOVERY_PUBLIC_KEY", new_recovery_pair()[0] if recovery else "")
    code, out, _ = run(monkeypatch, capsys, "chat", "--lang", "nl", stdin="5\n")
    assert code == 0
    assert "Na 42 dagen is het weg." in out
    texts = tomllib.loads(FACTS_FILE.read_text(encoding="utf-8"))["nl"]
    assert texts["recovery-key-on" if recovery else "recovery-key-off"] in out
    assert texts["recovery-key-off" if recovery else "recovery-key-on"] not in out


def test_no_command_prints_help(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(monkeypatch, capsys)
    assert code == 2 and "serve" in out
