"""How the analytics page and its tables write figures: durations, shares, money. Pure."""

from __future__ import annotations

DASH = "\u2013"  # an en dash: no figure: nothing to measure in the period


def duration(seconds: float | None) -> str:
    if seconds is None:
        return DASH
    total = round(seconds)
    if total < 60:
        return f"{total} s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def share(value: float | None) -> str:
    return DASH if value is None else f"{value * 100:.1f} %"


def average(value: float | None) -> str:
    return DASH if value is None else f"{value:.2f}"


def money(value: float | None, currency: str) -> str:
    if value is None:
        return DASH
    return f"{value:.4f} {currency}" if value < 1 else f"{value:.2f} {currency}"


def count(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")  # a narrow no-break space groups thousands
