"""Notices by e-mail over SMTP (``aiosmtplib``): STARTTLS, implicit TLS, or none in development.

Public surface: :class:`EmailChannel` (the ``NoticeChannel`` port of ``bot.outbox.port``),
built with :meth:`EmailChannel.from_settings`, and :func:`notice_email`, the message itself.
"""

from __future__ import annotations

from adapters.email.channel import EmailChannel, SmtpConfig
from adapters.email.message import notice_email

__all__ = ["EmailChannel", "SmtpConfig", "notice_email"]
