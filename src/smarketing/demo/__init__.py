"""Demo data: a seeded, deterministic French SaaS vendor and a year of its funnel."""

from smarketing.demo.generator import DemoLogin, DemoSummary, generate

__all__ = ["DemoLogin", "DemoSummary", "generate"]
