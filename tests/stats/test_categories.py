"""The fixed categories are the ones the flows can produce: a value the form or the router
can give but the statistics do not know would be dropped without a word."""

from __future__ import annotations

from bot.core import Channel
from bot.stats.categories import CHANNELS, KINDS, MODES, ROLES, TOPICS
from dialogs import signal
from knowledge.model import TOPIC_IDS


def test_the_intake_forms_choices_are_the_counted_categories() -> None:
    assert signal.KINDS == KINDS
    assert signal.ROLES == ROLES
    assert signal.MODES == MODES


def test_every_channel_is_counted() -> None:
    assert set(CHANNELS) == {channel.value for channel in Channel}


def test_the_counted_topics_are_fixed_topic_ids() -> None:
    assert set(TOPICS) <= set(TOPIC_IDS)
    assert not {"help", "fallback", "signal"} & set(TOPICS)
