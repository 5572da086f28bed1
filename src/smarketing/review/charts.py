"""Static SVG charts for the printed pack, drawn without a browser: plain vector shapes."""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

WIDTH, ROW, LABEL, PAD = 480, 26, 150, 40


@dataclass(frozen=True)
class Bar:
    """One row of a bar chart: its label, its value and the mark it is compared with."""

    label: str
    value: float
    mark: float | None = None


def bars_svg(bars: list[Bar], *, unit: str = "") -> str:
    """Horizontal bars, one per row, each with its value written at its end and its mark (a
    quota, a target) as a vertical line; an empty list draws nothing."""
    if not bars:
        return ""
    top = max(max(b.value, b.mark or 0) for b in bars) or 1
    span = WIDTH - LABEL - PAD
    height = ROW * len(bars) + 8
    shapes = []
    for index, bar in enumerate(bars):
        y = 4 + index * ROW
        length = span * bar.value / top
        shapes.append(
            f'<text x="{LABEL - 6}" y="{y + 15}" text-anchor="end" font-size="11">'
            f"{escape(bar.label)}</text>"
            f'<rect x="{LABEL}" y="{y + 4}" width="{length:.1f}" height="14" fill="#3b6ea5"/>'
            f'<text x="{LABEL + length + 4:.1f}" y="{y + 15}" font-size="11">'
            f"{bar.value:g}{escape(unit)}</text>"
        )
        if bar.mark is not None:
            x = LABEL + span * bar.mark / top
            shapes.append(
                f'<line x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{y + 22}" stroke="#c0392b" '
                f'stroke-width="2"/>'
            )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img">{"".join(shapes)}</svg>'
    )
