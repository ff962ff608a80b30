"""The knowledge base as this installation's settings describe it: one place for every caller."""

from __future__ import annotations

from bot.settings import Settings
from knowledge.base import KnowledgeBase
from knowledge.facts import ProductFacts


def product_facts(settings: Settings) -> ProductFacts:
    """What the content must say about this installation: retention and the recovery key."""
    # The same test as bot/recovery.py: an empty variable means no recovery key.
    return ProductFacts(
        retention_days=settings.retention_days,
        recovery_key=bool(settings.recovery_public_key),
    )


def load_knowledge(settings: Settings) -> KnowledgeBase:
    """Shipped content, the organisation's overlay, its web chat address and product facts."""
    return KnowledgeBase.load(
        overlay=settings.knowledge_dir,
        webchat_url=settings.webchat_url,
        facts=product_facts(settings),
    )
