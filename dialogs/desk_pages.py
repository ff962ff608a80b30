"""What an adviser reads on the desk: one signal, and the inbox as lines or as a table.

The chat desk and the terminal desk (``meldwijzer adviser …``) show the same words: the
labels the signal form showed the reporter, in the adviser's language, and dates as people
write them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.core import user_text
from bot.signals.content import SignalContent, SignalView
from bot.signals.desk import InboxItem
from bot.written_dates import written_date
from dialogs.base import Context, paragraphs
from dialogs.follow_up import thread_text

NOTHING = "-"  # an empty cell in the terminal's inbox table
COLUMN_GAP = "  "


def signal_page(ctx: Context, view: SignalView, *, whole_id: bool = False) -> str:
    """The signal's title line, what the reporter chose and wrote, and the thread.

    ``whole_id``: the terminal shows all of it, the only way to open a closed signal there.
    """
    body = "\n".join(
        f"**{ctx.t('adviser.' + key)}:** {value}" for key, value in _fields(ctx, view.content)
    )
    title = ctx.t(
        "adviser.signal_title",
        id=view.id if whole_id else view.id[:8],
        date=written_date(view.created_on, ctx.lang),
        status=status_label(ctx, view.status),
    )
    thread = [thread_text(ctx, view, reader="adviser")] if view.thread else []
    return paragraphs(title, body, *thread)


def status_label(ctx: Context, status: str) -> str:
    key = f"adviser.status_{status}"
    return ctx.t(key) if key in ctx.messages.catalogue[ctx.lang] else status


def inbox_line(ctx: Context, item: InboxItem) -> str:
    """One signal of the chat inbox, as a sentence."""
    ack = ctx.t("adviser.ack_due", date=_day(ctx, item.acknowledge_by))
    feedback = ctx.t("adviser.feedback_due", date=_day(ctx, item.feedback_by))
    new = ctx.t("adviser.new_messages", count=str(item.new_messages))
    return ctx.t(
        "adviser.inbox_item",
        id=item.id[:8],
        age=str(item.age_days),
        mine=ctx.t("adviser.mine") if item.responsible else "",
        ack=ack if item.acknowledge_by else "",
        feedback=feedback if item.feedback_by else "",
        new=new if item.new_messages else "",
    )


def inbox_table(ctx: Context, items: Sequence[InboxItem]) -> str:
    """The terminal's inbox: a header row, then one row per signal, columns lined up."""
    head = ("signal", "age", "role", "ack", "feedback", "new")
    rows = [tuple(ctx.t(f"adviser.column_{name}") for name in head)]
    for item in items:
        role = "responsible" if item.responsible else "backup"
        rows.append(
            (
                item.id[:8],
                str(item.age_days),
                ctx.t(f"adviser.role_{role}"),
                _day(ctx, item.acknowledge_by) or NOTHING,
                _day(ctx, item.feedback_by) or NOTHING,
                str(item.new_messages),
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(head))]
    return "\n".join(
        COLUMN_GAP.join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def _fields(ctx: Context, content: SignalContent) -> list[tuple[str, str]]:
    mode = ctx.t(f"adviser.mode_{content.mode}") if content.mode in ("anonymous", "named") else ""
    fields = [
        ("field_mode", mode),
        # What the reporter wrote is marked as theirs, so no channel renders it as markup.
        ("field_what", user_text(content.what)),
        ("field_kinds", ", ".join(_label(ctx, "kind", kind) for kind in content.kinds)),
        ("field_role", _label(ctx, "role", content.role)),
        ("field_when", _label(ctx, "when", content.when)),
        ("field_unit", user_text(content.unit)),
        ("field_hope", user_text(content.hope)),
        # Asked for on the form; without a wish, the language the reporter wrote in.
        ("field_reply_language", _label(ctx, "lang", content.adviser_language or content.lang)),
        ("field_contact", user_text(content.contact)),
    ]
    return [(key, value) for key, value in fields if value]


def _label(ctx: Context, group: str, value: str) -> str:
    """The reporter's choice as the form showed it (unknown values shown as they came)."""
    key = f"signal.{group}_{value}"
    return ctx.t(key) if value and key in ctx.messages.catalogue[ctx.lang] else user_text(value)


def _day(ctx: Context, day: date | None) -> str:
    return written_date(day, ctx.lang) if day is not None else ""
