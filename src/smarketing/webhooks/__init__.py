"""Outgoing webhooks (Standard Webhooks): endpoints, their secrets, and one delivery per event."""
