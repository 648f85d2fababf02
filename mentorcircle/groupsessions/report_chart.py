"""The Reports page's chart: sessions held and places attended over time, as two bar panels
sharing one time axis. The shapes are computed here; the template
groupsessions/_report_chart.html draws them as SVG (no script, no library), with a table of
the same figures as its text alternative."""

import math
from dataclasses import dataclass
from datetime import date

from mentorcircle.groupsessions.reports import MONTH, WEEK, Bucket, Timeline

WIDTH = 720
LEFT, RIGHT = 48, 12  # room for the y-axis figures; a margin
PANEL_TITLE = 22  # the line above each panel
PANEL_HEIGHT = 104
PANEL_GAP = 14
AXIS = 34  # the time labels under the lower panel
MAX_LABELS = 12  # time labels shown at most; the others are in each bar's tooltip and the table
MAX_VALUES = 16  # with more bars than this, figures are not written above them
MAX_TICKS = 4


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    center: float
    text_y: float  # where the figure above the bar sits
    tooltip: str


@dataclass(frozen=True)
class Tick:
    y: float
    value: int


@dataclass(frozen=True)
class Panel:
    title: str
    css: str  # chart-held or chart-attended
    title_y: float
    top: float
    baseline: float
    bars: list[Bar]
    ticks: list[Tick]


@dataclass(frozen=True)
class Label:
    x: float
    text: str


@dataclass(frozen=True)
class Row:
    period: str
    held: int
    attended: int


@dataclass(frozen=True)
class Chart:
    unit: str
    width: int
    height: float
    left: int
    right: int
    panels: list[Panel]
    labels: list[Label]
    label_y: float
    show_values: bool
    rows: list[Row]  # the same figures, for the table under the chart
    summary: str  # the chart in a sentence, for its <desc>

    @property
    def empty(self) -> bool:
        return not self.rows


def _ticks_top(peak: int) -> tuple[int, int]:
    """A round top for the axis and the step between its ticks (1, 2 or 5 times a power of 10)."""
    if peak <= 0:
        return 1, 1
    for power in range(10):
        for factor in (1, 2, 5):
            step = factor * 10**power
            if math.ceil(peak / step) <= MAX_TICKS:
                return math.ceil(peak / step) * step, step
    return peak, peak


def _short(day: date, unit: str, *, first: bool) -> str:
    if unit == WEEK:
        return f"{day.day} {day.strftime('%b')}"
    if unit == MONTH:
        return day.strftime("%b %Y") if first or day.month == 1 else day.strftime("%b")
    return str(day.year)


def period_name(day: date, unit: str) -> str:
    """The bucket as the table names it: "Week of 3 Mar 2027", "March 2027", "2027"."""
    if unit == WEEK:
        return f"Week of {day.day} {day.strftime('%b %Y')}"
    if unit == MONTH:
        return day.strftime("%B %Y")
    return str(day.year)


def _panel(buckets: list[Bucket], values: list[int], *, title: str, css: str, top: float, unit: str) -> Panel:
    plot = WIDTH - LEFT - RIGHT
    slot = plot / len(buckets)
    width = max(slot * 0.7, 1.0)
    axis_top, step = _ticks_top(max(values))
    baseline = top + PANEL_HEIGHT
    scale = PANEL_HEIGHT / axis_top
    bars = []
    for index, (bucket, value) in enumerate(zip(buckets, values, strict=True)):
        height = value * scale
        bars.append(
            Bar(
                x=round(LEFT + index * slot + (slot - width) / 2, 1),
                y=round(baseline - height, 1),
                width=round(width, 1),
                height=round(height, 1),
                value=value,
                center=round(LEFT + (index + 0.5) * slot, 1),
                text_y=round(baseline - height - 4, 1),
                tooltip=f"{period_name(bucket.start, unit)}: {value}",
            )
        )
    ticks = [Tick(y=round(baseline - v * scale, 1), value=v) for v in range(0, axis_top + 1, step)]
    return Panel(
        title=title,
        css=css,
        title_y=top - 8,
        top=top,
        baseline=baseline,
        bars=bars,
        ticks=ticks,
    )


def _summary(timeline: Timeline, held: int, attended: int) -> str:
    buckets, unit = timeline.buckets, timeline.unit

    def name(day: date) -> str:
        return period_name(day, unit).replace("Week of", "the week of")

    first, last = name(buckets[0].start), name(buckets[-1].start)
    sessions = f"{held} session{'s' if held != 1 else ''}"
    places = f"{attended} place{'s' if attended != 1 else ''}"
    span = f"In {first}" if first == last else f"Per {unit}, from {first} to {last}"
    text = f"{span}: {sessions} held and {places} attended in all."
    if held and len(buckets) > 1:
        busiest = max(buckets, key=lambda b: (b.held, b.attended))
        text += f" Most sessions: {name(busiest.start)} ({busiest.held})."
    return text


def draw(timeline: Timeline) -> Chart:
    buckets, unit = timeline.buckets, timeline.unit
    rows = [Row(period=period_name(b.start, unit), held=b.held, attended=b.attended) for b in buckets]
    if not buckets:
        return Chart(unit, WIDTH, 0, LEFT, RIGHT, [], [], 0, False, [], "No session was held in this period.")
    upper = PANEL_TITLE
    lower = upper + PANEL_HEIGHT + PANEL_GAP + PANEL_TITLE
    panels = [
        _panel(
            buckets, [b.held for b in buckets], title="Sessions held", css="chart-held", top=upper, unit=unit
        ),
        _panel(
            buckets,
            [b.attended for b in buckets],
            title="Places attended",
            css="chart-attended",
            top=lower,
            unit=unit,
        ),
    ]
    slot = (WIDTH - LEFT - RIGHT) / len(buckets)
    every = math.ceil(len(buckets) / MAX_LABELS)
    labels = [
        Label(x=round(LEFT + (index + 0.5) * slot, 1), text=_short(bucket.start, unit, first=index == 0))
        for index, bucket in enumerate(buckets)
        if index % every == 0
    ]
    baseline = lower + PANEL_HEIGHT
    return Chart(
        unit=unit,
        width=WIDTH,
        height=baseline + AXIS,
        left=LEFT,
        right=WIDTH - RIGHT,
        panels=panels,
        labels=labels,
        label_y=baseline + 18,
        show_values=len(buckets) <= MAX_VALUES,
        rows=rows,
        summary=_summary(timeline, sum(b.held for b in buckets), sum(b.attended for b in buckets)),
    )
