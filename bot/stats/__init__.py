"""The organisation's yearly picture: counters per quarter, disclosure control, the report.

Counters are kept apart from signals: a count per organisation, quarter, measure and fixed
category, never a date finer than the quarter, a unit, free text or a link to a signal. The
report publishes them with small-cell and secondary suppression (``suppression.py``).
"""
