"""The fixed measures and categories of the yearly picture (docs/report.md lists them).

They are the same every year and in every organisation, so that comparing two reports, or
two tables of one report, never reveals a cell by difference. A value outside a measure's
categories is never counted (an organisation's own overlay topic, an unknown channel).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

CHANNELS = ("webchat", "console", "teams", "mattermost")
# Topics shown: the options, each route, the bystander guide, crisis and privacy, and the
# other fixed topics a reporter may look for. ``help``, ``fallback`` and ``signal`` (the
# form, counted in the funnel) are not topics of interest here.
TOPICS = (
    "options",
    "confidential-adviser",
    "complaint",
    "integrity",
    "manager-hr",
    "human-rights-college",
    "discrimination-agency",
    "police",
    "whistleblower",
    "retaliation",
    "legal-help",
    "third-party",
    "support",
    "bystander",
    "for-managers",
    "definitions",
    "follow-up",
    "crisis",
    "privacy",
)
# Each conversation is counted at most once per step.
FUNNEL = ("conversation", "options", "signal_started", "signal_left")
MODES = ("anonymous", "named")
KINDS = ("discrimination", "racism", "sexual", "bullying", "aggression", "other")
ROLES = ("target", "witness", "both")
FOLLOW_UPS = ("opened", "added")
DEADLINE = ("met", "late")
OUTCOMES = (
    "advice",  # advice and support given
    "complaint-committee",  # referred to the complaint committee
    "integrity-report",  # referred to an integrity report
    "referred-outside",  # College, discrimination agency, police, Huis voor Klokkenluiders
    "informal",  # resolved informally
    "no-contact",  # no further contact
    "withdrawn",  # withdrawn by the reporter
)

MEASURES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "conversations": CHANNELS,
        "topics": TOPICS,
        "funnel": FUNNEL,
        "signals": MODES,
        "kinds": KINDS,
        "roles": ROLES,
        "follow_ups": FOLLOW_UPS,
        "acknowledged": DEADLINE,
        "feedback": DEADLINE,
        "outcomes": OUTCOMES,
    }
)
# Counted only where the organisation configures coarse groups of units (statistics.toml);
# its categories are the configured group names.
UNIT_GROUPS = "unit_groups"

QUARTERS = ("Q1", "Q2", "Q3", "Q4")
