"""The Teams app package: manifest fields we rely on, icons, zip layout."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest

from adapters.teams import write_app_package
from adapters.teams.icons import decode_rgba_png
from adapters.teams.package import check_icons
from bot.errors import ConfigError

from .conftest import APP_ID, make_settings


def test_package_holds_manifest_icons_and_dutch_texts(tmp_path: Path) -> None:
    settings = make_settings(public_url="https://meldwijzer.example.org/")
    path = write_app_package(settings, tmp_path)
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == [
            "color.png",
            "manifest.json",
            "nl.json",
            "outline.png",
        ]
        manifest = json.loads(archive.read("manifest.json"))
        dutch = json.loads(archive.read("nl.json"))
        color = decode_rgba_png(archive.read("color.png"))
        outline = decode_rgba_png(archive.read("outline.png"))
    assert manifest["manifestVersion"] == "1.17"
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID
    assert manifest["bots"][0]["scopes"] == ["personal"]
    assert manifest["validDomains"] == ["meldwijzer.example.org"]
    assert manifest["localizationInfo"]["additionalLanguages"][0]["file"] == "nl.json"
    assert dutch["name.short"] == "Meldwijzer" and len(dutch["description.short"]) <= 80
    # The bot's anonymous message is a signal (signaal), never a formal report (melding).
    assert "signaal" in dutch["description.full"]
    assert not re.search(r"\bmeldingen?\b", dutch["description.full"])
    assert color[:2] == (192, 192) and outline[:2] == (32, 32)
    assert {pixel[:3] for pixel in outline[2] if pixel[3]} == {(255, 255, 255)}
    assert any(pixel[3] == 0 for pixel in outline[2])


def test_package_is_reproducible(tmp_path: Path) -> None:
    settings = make_settings(public_url="https://meldwijzer.example.org")
    first = write_app_package(settings, tmp_path / "a.zip").read_bytes()
    assert write_app_package(settings, tmp_path / "b.zip").read_bytes() == first


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"teams_app_id": "not-a-guid"}, "GUID"),
        ({"public_url": "http://meldwijzer.example.org"}, "https"),
        ({"public_url": None}, "https"),
    ],
)
def test_package_refuses_what_teams_would_refuse(
    tmp_path: Path, overrides: dict[str, object], message: str
) -> None:
    settings = make_settings(**{"public_url": "https://meldwijzer.example.org", **overrides})
    with pytest.raises(ConfigError, match=message):
        write_app_package(settings, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_icon_check_catches_a_coloured_outline() -> None:
    from adapters.teams.icons import color_icon, encode_png

    red = encode_png(32, 32, [[(255, 0, 0, 255)] * 32 for _ in range(32)])
    with pytest.raises(ConfigError, match="white"):
        check_icons(color_icon(192), red)
    with pytest.raises(ConfigError, match="192"):
        check_icons(color_icon(96), red)
