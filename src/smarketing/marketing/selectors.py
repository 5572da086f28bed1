"""Reads of marketing's records for the pages."""

from __future__ import annotations

from smarketing.marketing.models import CampaignCost, Touchpoint


def touchpoints_exist() -> bool:
    """Whether any touchpoint was recorded (attribution has journeys to credit)."""
    return Touchpoint.objects.exists()


def costs_exist() -> bool:
    """Whether any campaign cost was entered."""
    return CampaignCost.objects.exists()
