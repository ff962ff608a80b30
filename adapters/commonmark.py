"""Escaping a person's words for the channels that render markdown (Teams, Mattermost).

CommonMark lets any ASCII punctuation character be escaped with a backslash, and the escaped
character is then always literal ("CommonMark Spec" 0.31.2, section 2.4 "Backslash escapes";
GitHub Flavored Markdown, which Teams and Mattermost follow, keeps the rule). We escape only
what can open or close a construct, so ordinary sentences keep their plain source:

* anywhere: links and images (``[ ]``; without them ``( ) !`` mean nothing), emphasis,
  code and strikethrough (``* _ ` ~``), tables (``|``), raw HTML, ``<at>`` mentions and
  autolinks in angle brackets (``<``), entities (``&``), Mattermost's inline LaTeX (``$``,
  "Format messages", docs.mattermost.com/collaborate/format-messages.html) and the
  backslash itself;
* at the start of a line (and of the words, which may follow our text on its line):
  headings ``#``, block quotes ``>``, list items ``-`` ``+`` and ``1.`` ``1)``, setext
  underlines ``=`` (spec sections 4.2-4.3, 5.1-5.3).

Escaping where a construct could not start would be harmless too: ``\\#`` renders ``#``.
"""

from __future__ import annotations

import re

_ANYWHERE = re.compile(r"([\\`*_~\[\]|<&$])")
_LINE_MARK = re.compile(r"(^|\n)([ \t]*)([#>+=-])")
_LINE_NUMBER = re.compile(r"(^|\n)([ \t]*)(\d{1,9})([.)])")


def escape_commonmark(text: str) -> str:
    """``text`` as markdown source that renders as exactly these characters."""
    escaped = _ANYWHERE.sub(r"\\\1", text)
    escaped = _LINE_MARK.sub(r"\1\2\\\3", escaped)
    return _LINE_NUMBER.sub(r"\1\2\3\\\4", escaped)
