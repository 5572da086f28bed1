"""A difference between two agreement documents that a person can read."""

from __future__ import annotations

from typing import Any


def _flatten(value: Any, path: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{path}.{key}" if path else str(key), out)
    elif isinstance(value, list) and value and all(isinstance(i, dict) for i in value):
        name = next((n for n in ("key", "code") if all(n in i for i in value)), None)
        if name is None:
            for index, item in enumerate(value):
                _flatten(item, f"{path}[{index}]", out)
            return
        for item in value:  # personas, rules and reasons are named by their key, not position
            _flatten({k: v for k, v in item.items() if k != name}, f"{path}[{item[name]}]", out)
    else:
        out[path] = value


def agreement_diff(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Readable lines such as ``changed fit.grades.A: 80 → 75``."""
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    _flatten(before, "", old)
    _flatten(after, "", new)
    lines = []
    for path in sorted(old.keys() | new.keys()):
        if path not in new:
            lines.append(f"removed {path} (was {old[path]!r})")
        elif path not in old:
            lines.append(f"added {path}: {new[path]!r}")
        elif old[path] != new[path]:
            lines.append(f"changed {path}: {old[path]!r} → {new[path]!r}")
    return lines
