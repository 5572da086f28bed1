"""The ``smarketing`` command."""
