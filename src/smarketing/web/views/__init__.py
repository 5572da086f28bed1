"""Views of the web shell, one module per area."""
