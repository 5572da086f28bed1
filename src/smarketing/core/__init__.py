"""Shared base pieces used by every domain app. No domain models live here."""
