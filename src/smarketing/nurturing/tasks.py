"""Nurturing's part of the worker: the recycling consumer of the journal (run by
``journal.consume`` with every other consumer)."""

from smarketing.nurturing import recycling  # noqa: F401  (registers the consumer)
