"""The server secret: keys conversation hashes and the receipt index.

Given by ``MELDWIJZER_SECRET`` in production; in development generated once into the
data folder with file mode 0600.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from bot.errors import ConfigError, StorageError

SECRET_FILE = "secret.key"  # noqa: S105 (a file name)
MIN_SECRET_CHARS = 32


def server_secret(given: str | None, data_dir: Path) -> bytes:
    if given is not None:
        if len(given) < MIN_SECRET_CHARS:
            raise ConfigError(f"MELDWIJZER_SECRET must be at least {MIN_SECRET_CHARS} characters")
        return given.encode()
    return _secret_file(data_dir / SECRET_FILE)


def _secret_file(path: Path) -> bytes:
    try:
        if not path.exists():
            _create(path)
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise StorageError(f"{path.name} is readable by others (mode {mode:o}); use chmod 600")
        value = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise StorageError(f"cannot read the secret in the data folder: {exc}") from None
    if len(value) < MIN_SECRET_CHARS:
        raise StorageError(
            f"{path.name} in the data folder is damaged; remove it to make a new one"
        )
    return value.encode()


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # O_EXCL: two processes starting at once must not both write a different secret.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_urlsafe(48) + "\n")
