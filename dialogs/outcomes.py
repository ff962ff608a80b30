"""How a signal ended: the outcome an adviser closes it with, in words and as a choice in chat.

The outcomes are the fixed ones the yearly report counts (``bot.stats.categories.OUTCOMES``).
Closing cannot be undone, so the choice is the confirmation: the text says so, pressing an
outcome closes at once, and "keep open" shows the signal again.

The buttons are seven outcomes and "keep open". Each channel shows that many:

* Teams: more than five card actions become a vertical list of single-button action sets
  (``adapters.teams.cards.buttons_card``), each button as wide as the card.
* Mattermost: one attachment with eight actions, ids ``b0``..``b7`` (letters and digits, as the
  server's action route needs), every label in full.
* The web chat (which hosts no desk: advisers are recognised in Teams and Mattermost only)
  wraps any number of buttons.

Labels are held to the length of a topic title (``knowledge.topic_file.MAX_TITLE``) so none is
cut; what "outside the organisation" covers is in the text above the buttons.
"""

from __future__ import annotations

from bot.core import Button, Reply
from bot.stats.categories import OUTCOMES
from dialogs.base import Context, paragraphs

# adviser:close-as:<signal id>:<outcome>
CLOSE_AS = "close-as"


def outcome_label(ctx: Context, outcome: str) -> str:
    """The outcome as the adviser reads it (``outcome`` must be one of ``OUTCOMES``)."""
    return ctx.t(f"adviser.outcome_{outcome.replace('-', '_')}")


def close_as_action(signal_id: str, outcome: str) -> str:
    return f"adviser:{CLOSE_AS}:{signal_id}:{outcome}"


def outcome_choice(ctx: Context, signal_id: str, head: str = "") -> Reply:
    """The question how the signal ended, one button per outcome, then "keep open"."""
    buttons = (
        *(Button(outcome_label(ctx, o), close_as_action(signal_id, o)) for o in OUTCOMES),
        ctx.button("adviser.keep_open", f"adviser:open:{signal_id}"),
    )
    return ctx.reply(paragraphs(head, ctx.t("adviser.close_choose", id=signal_id[:8])), buttons)


def outcome_names(ctx: Context) -> str:
    """Every outcome's name for ``--outcome``, with its words: one line each."""
    return "\n".join(f"- {outcome}: {outcome_label(ctx, outcome)}" for outcome in OUTCOMES)
