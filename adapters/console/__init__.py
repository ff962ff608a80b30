"""The terminal channel: plain text, numbered choices, forms one field at a time."""

from adapters.console.channel import ConsoleChannel, render_reply

__all__ = ["ConsoleChannel", "render_reply"]
