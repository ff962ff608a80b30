"""The outbox: notices to advisers, written with the change that causes them, sent after."""
