"""Sealed anonymous signals: storage, intake, the reporter's follow-up and the advisers' desk."""
