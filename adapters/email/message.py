"""One notice as one plain-text e-mail: the same words as every other channel, no content.

Headers beyond the usual four:

* ``Message-ID: <{key}@meldwijzer>`` from the notice's idempotency key, so a send retried
  after a lost answer is the same message to every server and mail client that deduplicates
  on it (RFC 5322 section 3.6.4: one identifier per message, never reused);
* ``Auto-Submitted: auto-generated`` (RFC 3834 section 5), so out-of-office replies and other
  automatic answers are not sent back to the From address;
* ``Content-Language`` (RFC 3282), the recipient's first language the text is written in.

Lines are folded only past RFC 5322's hard limit of 998 characters: at the usual 78 the
policy would move the long Message-ID onto a line of its own, which some parsers read back
with a leading space, and then it no longer matches. The channel hands aiosmtplib the bytes
of this policy, since it would flatten a message object again at 78.

``Date`` is in UTC: the server's own time zone is nobody's business. It is the moment of
sending, which is the notice time or a retry, never the moment a reporter acted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from bot.outbox.port import Notice

MESSAGE_ID_DOMAIN = "meldwijzer"
POLICY = SMTP.clone(max_line_length=998)


def message_id(notice: Notice) -> str:
    return f"<{notice.key}@{MESSAGE_ID_DOMAIN}>"


def notice_email(notice: Notice, *, sender: str, recipient: str, sent_at: datetime) -> EmailMessage:
    """The e-mail for ``notice``; raises ``ValueError`` on a header that would break the message
    (a line break in an address: ``email.policy`` refuses it rather than let a header in)."""
    message = EmailMessage(policy=POLICY)
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = notice.subject
    message["Date"] = format_datetime(sent_at.astimezone(UTC), usegmt=True)
    message["Message-ID"] = message_id(notice)
    message["Auto-Submitted"] = "auto-generated"
    # Quoted-printable keeps the message 7-bit, for a relay without 8BITMIME (RFC 6152).
    message.set_content(notice.body, subtype="plain", charset="utf-8", cte="quoted-printable")
    message["Content-Language"] = notice.lang  # after set_content, which clears Content-*
    return message
