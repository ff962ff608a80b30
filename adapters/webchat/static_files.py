"""The page and its files, read once from the package's ``static`` folder.

Only the files found there at start-up are served, by exact name from memory:
no directory listing, no path ever reaches the file system, so ``..`` cannot escape.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from aiohttp import web

from adapters.webchat.problems import WebchatProblem

CONTENT_TYPES = {
    ".html": "text/html",
    ".css": "text/css",
    ".js": "text/javascript",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".png": "image/png",
}
PAGE = "index.html"


@dataclass(frozen=True, slots=True)
class StaticFile:
    body: bytes
    content_type: str


class StaticFiles:
    """Serves ``GET /`` (the page) and ``GET /static/{name}``."""

    def __init__(self, files: dict[str, StaticFile]) -> None:
        if PAGE not in files:
            raise FileNotFoundError(f"web chat page {PAGE} is missing from the package")
        self._files = files

    @classmethod
    def from_package(cls) -> StaticFiles:
        folder = resources.files("adapters.webchat") / "static"
        files = {}
        for entry in folder.iterdir():
            suffix = "." + entry.name.rsplit(".", 1)[-1] if "." in entry.name else ""
            if entry.is_file() and suffix in CONTENT_TYPES:
                files[entry.name] = StaticFile(entry.read_bytes(), CONTENT_TYPES[suffix])
        return cls(files)

    async def page(self, request: web.Request) -> web.Response:
        return self._respond(PAGE)

    async def file(self, request: web.Request) -> web.Response:
        return self._respond(request.match_info["name"])

    def _respond(self, name: str) -> web.Response:
        found = self._files.get(name)
        if found is None:
            raise WebchatProblem(404, "not_found")
        charset = "utf-8" if found.content_type.startswith("text/") else None
        return web.Response(body=found.body, content_type=found.content_type, charset=charset)
