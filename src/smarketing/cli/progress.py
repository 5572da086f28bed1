"""A one-line progress bar for long commands."""

from __future__ import annotations


def progress_bar(stage: str, done: int, total: int) -> None:
    """Redraw ``stage [####....] done/total`` in place; end the line when done."""
    width = 30
    filled = width * min(done, total) // max(total, 1)
    print(
        f"\r  {stage:<10} [{'#' * filled}{'.' * (width - filled)}] {done:>9,}/{total:,}",
        end="\n" if done >= total else "",
        flush=True,
    )
