"""Scoring: fit grade and decaying engagement from the active agreement, explainable."""
