"""``meldwijzer report``: bad arguments give one clear line, exit code 2 and no file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.cli import main


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder for the output; the data folder of the settings lies inside it."""
    monkeypatch.setenv("MELDWIJZER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("MELDWIJZER_DATABASE_URL", raising=False)
    return tmp_path


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Runs the command; it must exit with 2 and say why on stderr, nothing on stdout."""
    try:
        code = main(["report", *argv])
    except SystemExit as exc:  # argparse refuses before the command runs
        code = exc.code  # type: ignore[assignment]
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert "Traceback" not in captured.err
    return captured.err


@pytest.mark.parametrize("year", ["20x6", "1999", "0", "-2026", "２０２６", "10000"])
def test_a_bad_year_is_refused(folder: Path, capsys: pytest.CaptureFixture[str], year: str) -> None:
    out = folder / "r.html"
    error = _refused(["--year", year, "--out", str(out)], capsys)
    assert "give a year like 2026" in error
    assert sorted(folder.iterdir()) == []


def test_a_future_year_is_refused(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    year = date.today().year + 1
    error = _refused(["--year", str(year), "--out", str(folder / "r.html")], capsys)
    assert f"meldwijzer: the year {year} has not begun yet" in error
    assert sorted(folder.iterdir()) == []


def test_an_unknown_format_is_refused(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    error = _refused(["--year", "2025", "--format", "pdf", "--out", str(folder / "r")], capsys)
    assert "invalid choice: 'pdf'" in error
    assert sorted(folder.iterdir()) == []


def test_an_unknown_language_is_refused(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    error = _refused(["--year", "2025", "--lang", "de", "--out", str(folder / "r")], capsys)
    assert "invalid choice: 'de'" in error


def test_out_is_required(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "--out" in _refused(["--year", "2025"], capsys)


@pytest.mark.parametrize(
    ("out", "says"),
    [
        ("missing/r.html", "cannot write in the folder"),
        ("a-file/r.html", "cannot write in the folder"),
        ("a-folder", "is a folder"),
    ],
)
def test_an_unwritable_out_is_refused_before_anything_is_read(
    folder: Path, capsys: pytest.CaptureFixture[str], out: str, says: str
) -> None:
    (folder / "a-file").write_text("keep me")
    (folder / "a-folder").mkdir()
    error = _refused(["--year", "2025", "--out", str(folder / out)], capsys)
    assert says in error
    assert sorted(p.name for p in folder.iterdir()) == ["a-file", "a-folder"]
    assert (folder / "a-file").read_text() == "keep me"
    assert list((folder / "a-folder").iterdir()) == []


def test_no_database_is_refused_and_none_is_made(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    error = _refused(["--year", "2025", "--out", str(folder / "r.html")], capsys)
    assert "no database at" in error
    assert sorted(folder.iterdir()) == []
