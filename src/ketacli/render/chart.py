"""The cost curve's geometry for an inline SVG: step lines, axes in dollars, ticks, the asked N. Pure.

Drawn from the pricing engine's answers (report.cost_curve); this module only scales them to the plot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ketacli.report import Curve

from ketacli.money import format_usd

# A narrow drawing with large type: on a 375-pixel phone it scales to about 0.6, and labels stay readable.
WIDTH, HEIGHT = 600, 380
TOP, BOTTOM = 22, 60
TITLE_BAND = 34  # the rotated y-axis title, left of the tick labels
CHAR_WIDTH = 11.6  # an average glyph at the chart's font size (20): labels are measured, never overlapped
# Okabe–Ito colours (distinguishable with colour-blindness) and dash patterns (distinguishable in print).
COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
DASHES = ["", "8 4", "3 3", "10 3 2 3", "1 3", "12 6"]


def _nice_step(span: float, ticks: int = 5) -> int:
    """A round tick step (1, 2 or 5 × a power of ten) giving about `ticks` ticks over `span`."""
    raw = max(span / ticks, 1)
    power: int = 10 ** (len(str(int(raw))) - 1)
    for multiple in (1, 2, 5, 10):
        if multiple * power >= raw:
            return multiple * power
    return 10 * power  # pragma: no cover - the loop always returns


# The text equivalent lists every dose count where a line's price steps, up to this many rows; beyond that (a
# thousand doses), the chart's own ticks, so the table stays a table.
MOST_TABLE_ROWS = 48


def _table_doses(curve: Curve, x_step: int) -> list[int]:
    """The dose counts the chart's text equivalent gives: the ticks, the asked N, the last, and every N where a
    line's price steps (its increase from N-1 differs from the one before: Mindbloom's jump at 7 doses)."""
    limit, asked = curve["limit"], curve["asked"]
    doses = {1, *range(x_step, limit + 1, x_step), limit, *([asked] if asked else [])}
    steps: set[int] = set()
    for line in curve["lines"]:
        totals = line["totals"]
        for n in range(2, limit + 1):
            rise, before = _rise(totals, n), _rise(totals, n - 1)
            if rise is not None and before is not None and rise != before:
                steps.update((n - 1, n))  # the last price before the step, and the first after it
    wanted = doses | steps
    return sorted(wanted if len(wanted) <= MOST_TABLE_ROWS else doses)


def _rise(totals: list[int | None], n: int) -> int | None:
    """How much the total for n doses rises over n-1 (None where either cannot be bought, or n is 1)."""
    if n < 2 or totals[n - 1] is None or totals[n - 2] is None:
        return None
    return totals[n - 1] - totals[n - 2]  # type: ignore[operator]


def _marker(at: float, label: str, right: int) -> dict[str, Any]:
    """The asked-N line's label, on the side of the line where it fits inside the plot."""
    fits_right = at + 5 + len(label) * CHAR_WIDTH * 0.9 <= right  # the marker's type is a little smaller
    return {
        "x": at,
        "label": label,
        "text_x": at + 5 if fits_right else at - 5,
        "anchor": "start" if fits_right else "end",
    }


def geometry(curve: Curve) -> dict[str, Any]:
    """Paths, ticks, legend and the asked-N marker, in SVG user units (cents on the way in)."""
    limit: int = curve["limit"]
    totals = [t for line in curve["lines"] for t in line["totals"] if t is not None]
    top_dollars = max(totals, default=100) / 100
    step = _nice_step(top_dollars)
    y_max = step * (int(top_dollars // step) + 1)
    x_step = _nice_step(limit, 6)
    x_labels = [1, *range(x_step, limit + 1, x_step)]
    # The margins fit the widest y label beside the axis title, and half the last x label past the plot.
    widest = max(len(format_usd(v * 100)) for v in range(0, y_max + 1, step))
    left = TITLE_BAND + round(widest * CHAR_WIDTH) + 10
    right = max(16, round(len(f"{x_labels[-1]:,}") * CHAR_WIDTH / 2) + 4)
    plot_w, plot_h = WIDTH - left - right, HEIGHT - TOP - BOTTOM

    def x(n: float) -> float:
        return round(left + (n - 1) / max(limit - 1, 1) * plot_w, 1)

    def y(cents: int) -> float:
        return round(TOP + plot_h - cents / 100 / y_max * plot_h, 1)

    lines = []
    for line in curve["lines"]:
        parts: list[str] = []
        previous = None
        for n, total in enumerate(line["totals"], start=1):
            if total is None:
                previous = None
                continue
            if previous is None:
                parts.append(f"M{x(n)} {y(total)}")
            else:
                parts.append(f"H{x(n)} V{y(total)}")
            previous = total
        lines.append(
            {
                "name": line["name"],
                "very_low": line["dose_level"] == "very_low",
                "d": " ".join(parts),
                # By the provider, not the rank: Joyous is the same colour in every report.
                "colour": COLOURS[line["slot"] % len(COLOURS)],
                "dash": DASHES[line["slot"] % len(DASHES)],
            }
        )
    x_ticks = [{"x": x(n), "label": f"{n:,}"} for n in x_labels]
    y_ticks = [{"y": y(v * 100), "label": format_usd(v * 100)} for v in range(0, y_max + 1, step)]
    asked = curve["asked"]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": left,
        "right": WIDTH - right,
        "top": TOP,
        "bottom": HEIGHT - BOTTOM,
        "lines": lines,
        "x_ticks": x_ticks,
        "y_ticks": y_ticks,
        "marker": _marker(x(asked), f"{asked:,} doses (asked)", WIDTH - right) if asked else None,
        "table_doses": _table_doses(curve, x_step),
    }
