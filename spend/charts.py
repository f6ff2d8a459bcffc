"""The spend chart's geometry: a stacked bar chart laid out in Python, drawn as SVG by the
template. Written by hand because it is a hundred lines and the portal serves no JavaScript
chart library (no CDN, nothing to download): the server sends finished SVG, which also prints,
works without JavaScript and needs no second request.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from html import escape

from django.utils.safestring import SafeString

from accounts.models import Purpose
from lusha_portal.html import html_from_escaped
from spend.selectors import Series, purpose_label

WIDTH, HEIGHT = 760, 280
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 12, 44
MAX_X_LABELS = 12

# One colour per purpose, whatever subset a chart shows, so a colour keeps its meaning from
# one filter to the next (Okabe-Ito first: told apart with the common colour blindnesses).
_PALETTE = (
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000",
    "#999999", "#6a3d9a", "#b15928",
)  # fmt: skip
COLOURS = {purpose: _PALETTE[index % len(_PALETTE)] for index, purpose in enumerate(Purpose.values)}


@dataclass
class Segment:
    y: str
    height: str
    colour: str
    label: str
    credits: int


@dataclass
class Bar:
    x: str  # SVG coordinates, as text
    width: str
    label: str
    total: int
    segments: list = field(default_factory=list)


@dataclass
class Chart:
    title: str
    description: str
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    bars: list
    y_ticks: list  # (y, value)
    x_labels: list  # (x, text)
    legend: list  # (colour, label, credits)
    rows: list  # the table alternative: (bucket label, [credits per purpose], total)
    columns: list  # purpose labels, in the table's order
    total: int

    @property
    def empty(self) -> bool:
        return self.total == 0

    @property
    def bars_svg(self) -> SafeString:
        """The bars' <g> elements, written here rather than by ~700 template variables (and
        as f-strings: format_html's escaping per value was a fifth of the dashboard)."""
        return html_from_escaped(
            "".join(
                f"<g><title>{escape(bar.label)}: {bar.total:,} credits</title>"
                f"{_segments_svg(bar)}</g>"
                for bar in self.bars
                if bar.total
            )
        )

    @property
    def grid_svg(self) -> SafeString:
        """The horizontal grid lines with their credit figures."""
        left, right = self.plot_left, self.plot_right
        return html_from_escaped(
            "".join(
                f'<line x1="{left}" x2="{right}" y1="{y}" y2="{y}"></line>'
                f'<text x="{left - 6}" y="{y}" text-anchor="end" dominant-baseline="middle">'
                f"{int(value):,}</text>"
                for y, value in self.y_ticks
            )
        )

    @property
    def x_labels_svg(self) -> SafeString:
        """The buckets' labels under the axis."""
        return html_from_escaped(
            "".join(
                f'<text x="{x}" y="{self.plot_bottom + 18}" text-anchor="middle">'
                f"{escape(text)}</text>"
                for x, text in self.x_labels
            )
        )

    @property
    def legend_html(self) -> SafeString:
        """The legend's `<li>`s: each purpose's colour, name and credits."""
        return html_from_escaped(
            "".join(
                '<li><svg class="swatch" viewBox="0 0 1 1" aria-hidden="true" focusable="false">'
                f'<rect width="1" height="1" fill="{escape(colour)}"></rect></svg>'
                f'{escape(label)} <span class="muted">{int(credits):,}</span></li>'
                for colour, label, credits in self.legend
            )
        )

    @property
    def rows_html(self) -> SafeString:
        """The table alternative's body rows."""
        return html_from_escaped(
            "".join(
                f'<tr><th scope="row">{escape(label)}</th>'
                + "".join(f'<td class="num">{int(value):,}</td>' for value in values)
                + f'<td class="num">{int(total):,}</td></tr>'
                for label, values, total in self.rows
            )
        )

    @property
    def centre_x(self) -> float:
        return (self.plot_left + self.plot_right) / 2

    @property
    def centre_y(self) -> float:
        return (self.plot_top + self.plot_bottom) / 2


def _svg(number: float) -> str:
    """A coordinate as SVG text. Strings, not floats: the template would localise every float
    through Django's number formatting, a thousand times a chart."""
    return f"{number:.2f}".rstrip("0").rstrip(".")


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 times a power of ten that is at least `value` (>= 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power  # pragma: no cover (the loop always returns)


def bucket_label(bucket: datetime.date, granularity: str) -> str:
    if granularity == "month":
        return bucket.strftime("%b %Y")
    if granularity == "week":
        return f"week of {bucket.day} {bucket:%b %Y}"
    return f"{bucket.day} {bucket:%b %Y}"


def _short_label(bucket: datetime.date, granularity: str) -> str:
    if granularity == "month":
        return bucket.strftime("%b %y")
    return f"{bucket.day} {bucket:%b}"


def _segments_svg(bar: Bar) -> str:
    label = escape(bar.label)
    return "".join(
        f'<rect x="{bar.x}" y="{segment.y}" width="{bar.width}" height="{segment.height}"'
        f' fill="{escape(segment.colour)}"><title>{label}, {escape(segment.label)}:'
        f" {segment.credits:,} credits</title></rect>"
        for segment in bar.segments
    )


def stacked_bars(*, series: Series, granularity: str, title: str) -> Chart:
    """Lay `series` out as stacked bars, one per bucket, purposes stacked bottom-up."""
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    buckets = series.buckets
    top_total = max((series.total(bucket) for bucket in buckets), default=0)
    scale_max = nice_ceiling(top_total)
    slot = plot_width / max(1, len(buckets))
    bar_width = max(1.0, slot * 0.72)

    bars = []
    for index, bucket in enumerate(buckets):
        bar = Bar(
            x=_svg(LEFT + index * slot + (slot - bar_width) / 2),
            width=_svg(bar_width),
            label=bucket_label(bucket, granularity),
            total=series.total(bucket),
        )
        baseline = float(TOP + plot_height)
        for purpose in series.purposes:
            credits = series.credits.get((bucket, purpose), 0)
            if not credits:
                continue
            height = plot_height * credits / scale_max
            baseline -= height
            bar.segments.append(
                Segment(
                    y=_svg(baseline),
                    height=_svg(height),
                    colour=COLOURS.get(purpose, "#777777"),
                    label=purpose_label(purpose),
                    credits=credits,
                )
            )
        bars.append(bar)

    y_ticks = [
        (_svg(TOP + plot_height - plot_height * step / 4), scale_max * step // 4)
        for step in range(5)
    ]
    every = max(1, math.ceil(len(buckets) / MAX_X_LABELS))
    x_labels = [
        (_svg(LEFT + index * slot + slot / 2), _short_label(bucket, granularity))
        for index, bucket in enumerate(buckets)
        if index % every == 0
    ]
    totals = {
        purpose: sum(series.credits.get((bucket, purpose), 0) for bucket in buckets)
        for purpose in series.purposes
    }
    legend = [
        (COLOURS.get(purpose, "#777777"), purpose_label(purpose), totals[purpose])
        for purpose in series.purposes
    ]
    rows = [
        (
            bucket_label(bucket, granularity),
            [series.credits.get((bucket, purpose), 0) for purpose in series.purposes],
            series.total(bucket),
        )
        for bucket in buckets
    ]
    total = series.grand_total
    if buckets:
        first, last = (bucket_label(buckets[i], granularity) for i in (0, -1))
        span = f"from {first} to {last}"
    else:
        span = "in no period"
    description = f"{total:,} credits {span}, one bar per {granularity}, stacked by action" + (
        ": " + ", ".join(f"{label} {credits:,}" for _, label, credits in legend) + "."
        if legend
        else "; nothing was spent."
    )
    return Chart(
        title=title,
        description=description,
        width=WIDTH,
        height=HEIGHT,
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
        plot_top=TOP,
        plot_bottom=TOP + plot_height,
        bars=bars,
        y_ticks=y_ticks,
        x_labels=x_labels,
        legend=legend,
        rows=rows,
        columns=[purpose_label(purpose) for purpose in series.purposes],
        total=total,
    )
