"""Smarketing: one revenue team for marketing and sales."""

__version__ = "0.1.0"
