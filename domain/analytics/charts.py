"""Chart geometry for the analytics page: pure numbers the SVG partials draw as they are (no
arithmetic in templates). Each mark carries the query that lists the conversations behind it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.analytics.report import Day
from domain.analytics.rules import WEEKDAY_NAMES

WIDTH = 720
HEIGHT = 180
LEFT = 40  # room for the axis labels
BOTTOM = 24
LABEL_WIDTH = 170  # horizontal bars: room for the names


@dataclass(frozen=True, slots=True)
class Segment:
    y: float
    height: float
    kind: str  # the CSS class's suffix: guest, ai, staff, system


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    width: float
    segments: tuple[Segment, ...]
    label: str  # what a screen reader and the tooltip say
    tick: str  # the axis label under it, or ""
    query: dict[str, str]


@dataclass(frozen=True, slots=True)
class Columns:
    width: int
    height: int
    plot_bottom: int
    maximum: int
    bars: tuple[Bar, ...]


def _scale(value: int, maximum: int, span: float) -> float:
    return round(span * value / maximum, 1) if maximum else 0.0


def day_columns(days: Sequence[Day], *, messages: bool, base: dict[str, str]) -> Columns:
    """Conversations per day (``messages`` False) or messages per day by author, stacked."""
    plot = HEIGHT - BOTTOM
    totals = [d.guest + d.ai + d.staff + d.system if messages else d.conversations for d in days]
    maximum = max(totals, default=0)
    step = (WIDTH - LEFT) / max(len(days), 1)
    every = max(1, -(-len(days) // 10))  # label every n-th day: about ten labels at most
    bars = []
    for n, (day, total) in enumerate(zip(days, totals, strict=True)):
        parts = (
            (("guest", day.guest), ("ai", day.ai), ("staff", day.staff), ("system", day.system))
            if messages
            else (("conversations", day.conversations),)
        )
        segments, top = [], float(plot)
        for kind, value in parts:
            height = _scale(value, maximum, plot - 8)
            if height:
                top -= height
                segments.append(Segment(round(top, 1), height, kind))
        noun = "messages" if messages else "conversations"
        bars.append(
            Bar(
                x=round(LEFT + n * step + step * 0.1, 1),
                width=round(step * 0.8, 1),
                segments=tuple(segments),
                label=f"{day.day.isoformat()}: {total} {noun}",
                tick=f"{day.day.day} {day.day.strftime('%b')}" if n % every == 0 else "",
                query={**base, "day": day.day.isoformat()},
            )
        )
    return Columns(WIDTH, HEIGHT, plot, maximum, tuple(bars))


@dataclass(frozen=True, slots=True)
class Row:
    y: float
    width: float
    name: str
    value: int
    label: str
    query: dict[str, str]


@dataclass(frozen=True, slots=True)
class Rows:
    width: int
    height: int
    label_width: int
    rows: tuple[Row, ...]


def horizontal(items: Sequence[tuple[str, int]], *, noun: str, field: str, base: dict[str, str]) -> Rows:
    """One bar per item (a hand-off reason, a language), longest first as given."""
    maximum = max((value for _, value in items), default=0)
    span = WIDTH - LABEL_WIDTH - 60
    rows = tuple(
        Row(
            y=8 + n * 28,
            width=max(_scale(value, maximum, span), 2.0),
            name=key or "not recognised",
            value=value,
            label=f"{key or 'not recognised'}: {value} {noun}",
            query={**base, field: key},
        )
        for n, (key, value) in enumerate(items)
    )
    return Rows(WIDTH, 16 + 28 * len(rows), LABEL_WIDTH, rows)


@dataclass(frozen=True, slots=True)
class Cell:
    x: int
    y: int
    level: int  # 0 (none) to 4 (the busiest hour)
    value: int
    label: str
    query: dict[str, str]


@dataclass(frozen=True, slots=True)
class Heatmap:
    width: int
    height: int
    cells: tuple[Cell, ...]
    weekdays: tuple[tuple[int, str], ...]  # (y, short name)
    hours: tuple[tuple[int, str], ...]  # (x, "00", "03", ...)
    maximum: int
    table: tuple[tuple[str, tuple[int, ...]], ...]  # the data table: a weekday's 24 hours


CELL_W, CELL_H, HEAT_LEFT, HEAT_TOP = 26, 22, 44, 20


def heatmap(counts: dict[tuple[int, int], int], *, base: dict[str, str]) -> Heatmap:
    """Guest messages by weekday (ISO: 1 is Monday) and hour of the hotel's clock."""
    maximum = max(counts.values(), default=0)
    cells = []
    for weekday in range(1, 8):
        for hour in range(24):
            value = counts.get((weekday, hour), 0)
            level = 0 if not value else max(1, min(4, -(-4 * value // maximum)))
            cells.append(
                Cell(
                    x=HEAT_LEFT + hour * CELL_W,
                    y=HEAT_TOP + (weekday - 1) * CELL_H,
                    level=level,
                    value=value,
                    label=f"{WEEKDAY_NAMES[weekday - 1]} {hour:02d}:00: {value} guest messages",
                    query={**base, "weekday": str(weekday), "hour": str(hour)},
                )
            )
    return Heatmap(
        width=HEAT_LEFT + 24 * CELL_W,
        height=HEAT_TOP + 7 * CELL_H,
        cells=tuple(cells),
        weekdays=tuple((HEAT_TOP + n * CELL_H + 15, name[:3]) for n, name in enumerate(WEEKDAY_NAMES)),
        hours=tuple((HEAT_LEFT + h * CELL_W + 4, f"{h:02d}") for h in range(0, 24, 3)),
        maximum=maximum,
        table=tuple(
            (name, tuple(counts.get((n + 1, hour), 0) for hour in range(24)))
            for n, name in enumerate(WEEKDAY_NAMES)
        ),
    )
