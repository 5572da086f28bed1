"""Shared KPIs: one set of numbers for both teams, read from the shared record (reads only).

Every formula is written for users in ``docs/kpis.md``.
"""
