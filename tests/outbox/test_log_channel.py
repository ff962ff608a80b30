"""The serve log as a notice channel: one INFO line with who, what subject and where."""

from __future__ import annotations

import logging

import pytest

from bot.outbox.log_channel import NOTICE_LOGGER, LogChannel
from bot.outbox.port import LOG, Notice

NOTICE = Notice(
    key="5e" * 32,
    lang="en",
    subject="There is 1 new thing on your desk in Meldwijzer",
    body="There is 1 new item on your desk.\n\nOpen your desk with: meldwijzer adviser inbox demo",
    link="meldwijzer adviser inbox demo",
)


async def test_one_info_line_names_recipient_subject_and_body_never_the_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    await LogChannel().deliver("demo", NOTICE)
    [record] = caplog.records
    assert (record.name, record.levelno) == (NOTICE_LOGGER, logging.INFO)
    line = record.getMessage()
    assert "demo" in line and NOTICE.subject in line and NOTICE.link in line
    assert "There is 1 new item on your desk. | Open your desk with" in line
    assert "\n" not in line and NOTICE.key not in line
    assert LogChannel.name == LOG
