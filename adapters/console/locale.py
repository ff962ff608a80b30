"""The terminal's locale: the platform hint for the first language of a terminal chat."""

from __future__ import annotations

from collections.abc import Mapping

# POSIX.1-2017, section 8.2 "Internationalization Variables": LC_ALL overrides LC_MESSAGES,
# which overrides LANG.
_PRECEDENCE = ("LC_ALL", "LC_MESSAGES", "LANG")
# The portable locale names no language: "C", "POSIX" and glibc's "C.UTF-8".
_NO_LANGUAGE = ("C", "POSIX")


def locale_from_environment(environ: Mapping[str, str]) -> str | None:
    """The locale messages are shown in, or None in the portable "C" locale."""
    chosen = next((environ[name] for name in _PRECEDENCE if environ.get(name)), "")
    if not chosen or chosen.split(".", 1)[0] in _NO_LANGUAGE:
        return None
    # GNU gettext manual, 2.3.3 "The LANGUAGE variable": a priority list ("en:nl") for
    # messages that wins over the locale, except when that is "C".
    first = environ.get("LANGUAGE", "").split(":", 1)[0]
    return first or chosen
