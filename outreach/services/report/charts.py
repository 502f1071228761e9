"""Charts as SVG written here, inlined in the report: horizontal bars (the funnel), bars per day
(sends and replies over time) and rates with their 95 % intervals as error bars.

Plain SVG text needs no script, no network and no font files, prints as vectors to PDF, and is
the same in every reader (a mail preview, a PDF pipeline without a script engine). It is written
here rather than by a chart library: the report draws three fixed shapes, and pygal, which drew
them before, took about 7 ms per chart (most of a report's time once its numbers come from
counters) where this takes well under one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import escape

# Fonts a reader has, Japanese ones first so kana and kanji never fall back to boxes.
FONTS = (
    '"Noto Sans CJK JP", "Noto Sans JP", "Hiragino Sans", "Yu Gothic", Meiryo, '
    '"Helvetica Neue", Arial, sans-serif'
)
COLORS = ("#3b6ea8", "#e0833a", "#4a9a5b", "#b04a4a", "#7a5ea8")
WIDTH, HEIGHT = 800, 360
_FG, _STRONG, _SUBTLE, _GRID = "#333", "#111", "#777", "#e3e3e3"


def _e(value: object) -> str:
    return str(escape(str(value)))


def _n(value: float) -> str:
    """A coordinate: one decimal is finer than any screen or printer needs."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _open(title: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}"'
        f' role="img" aria-label="{_e(title)}" font-family="{_e(FONTS)}" font-size="12"'
        f' fill="{_FG}">',
        f"<title>{_e(title)}</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{WIDTH / 2:g}" y="26" text-anchor="middle" font-size="16"'
        f' fill="{_STRONG}">{_e(title)}</text>',
    ]


def _legend(names: Sequence[str], y: float) -> list[str]:
    """One swatch and name per series, centred on a line at `y`."""
    widths = [28 + 7 * len(name) + 2 * sum(1 for c in name if ord(c) > 0x2FFF) for name in names]
    x = (WIDTH - sum(widths)) / 2
    out = ['<g class="legend">']
    for i, (name, width) in enumerate(zip(names, widths, strict=True)):
        color = COLORS[i % len(COLORS)]
        out.append(f'<rect x="{_n(x)}" y="{_n(y - 10)}" width="12" height="12" fill="{color}"/>')
        out.append(f'<text x="{_n(x + 17)}" y="{_n(y)}">{_e(name)}</text>')
        x += width
    out.append("</g>")
    return out


def _step(top: float, ticks: int = 5) -> float:
    """A round step (1, 2 or 5 times a power of ten) that divides 0..top in about `ticks`."""
    if top <= 0:
        return 1.0
    raw = top / ticks
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _y_axis(
    left: float, right: float, top: float, bottom: float, high: float, step: float, unit: str
) -> list[str]:
    out = ['<g class="axis">']
    n = 0
    while n * step <= high + step / 1e6:
        value = n * step
        y = bottom - (bottom - top) * value / high if high else bottom
        out.append(
            f'<line x1="{_n(left)}" x2="{_n(right)}" y1="{_n(y)}" y2="{_n(y)}"'
            f' stroke="{_GRID if n else _SUBTLE}"/>'
        )
        label = f"{value:,.0f}" if step >= 1 else f"{value:,.1f}"
        out.append(
            f'<text x="{_n(left - 6)}" y="{_n(y + 4)}" text-anchor="end"'
            f' fill="{_SUBTLE}">{label}{unit}</text>'
        )
        n += 1
    out.append("</g>")
    return out


def funnel_chart(title: str, stages: Sequence[str], counts: Sequence[int]) -> str:
    """People per funnel stage, as horizontal bars in funnel order (the first at the top)."""
    out = _open(title)
    left, right, top, bottom = 150.0, WIDTH - 70.0, 45.0, HEIGHT - 15.0
    most = max(counts, default=0) or 1
    row = (bottom - top) / max(len(stages), 1)
    out.append('<g class="bars">')
    for i, (stage, count) in enumerate(zip(stages, counts, strict=True)):
        y = top + i * row
        width = (right - left) * count / most
        middle = _n(y + row / 2 + 4)
        out.append(f'<text x="{_n(left - 8)}" y="{middle}" text-anchor="end">{_e(stage)}</text>')
        out.append(
            f'<rect class="bar" x="{_n(left)}" y="{_n(y + row * 0.15)}" width="{_n(width)}"'
            f' height="{_n(row * 0.7)}" fill="{COLORS[0]}"><title>{_e(stage)}: {count:,}</title>'
            "</rect>"
        )
        out.append(f'<text x="{_n(left + width + 6)}" y="{middle}" font-size="11">{count:,}</text>')
    out.append("</g></svg>")
    return "".join(out)


def over_time_chart(
    title: str, days: Sequence[str], series: Sequence[tuple[str, Sequence[int]]]
) -> str:
    """Counts per day, one bar series each (sends, replies); every day labelled up to 20 days
    (slanted past 10), about ten labels past that; values printed up to 20 days."""
    out = _open(title)
    left, right, top, bottom = 70.0, WIDTH - 20.0, 45.0, HEIGHT - 95.0
    most = max((v for _, values in series for v in values), default=0)
    step = _step(most)
    high = max(step, math.ceil(most / step) * step)
    out += _y_axis(left, right, top, bottom, high, step, "")
    slot = (right - left) / max(len(days), 1)
    bar = slot * 0.8 / max(len(series), 1)
    every = 1 if len(days) <= 20 else max(1, len(days) // 10)
    out.append('<g class="bars">')
    for d, day in enumerate(days):
        x0 = left + d * slot + slot * 0.1
        for s, (name, values) in enumerate(series):
            value = values[d]
            height = (bottom - top) * value / high
            x = x0 + s * bar
            out.append(
                f'<rect class="bar" x="{_n(x)}" y="{_n(bottom - height)}" width="{_n(bar)}"'
                f' height="{_n(height)}" fill="{COLORS[s % len(COLORS)]}">'
                f"<title>{_e(day)} {_e(name)}: {value:,}</title></rect>"
            )
            if len(days) <= 20:
                out.append(
                    f'<text x="{_n(x + bar / 2)}" y="{_n(bottom - height - 3)}"'
                    f' text-anchor="middle" font-size="10">{value:,}</text>'
                )
        if d % every == 0:
            cx, cy = left + d * slot + slot / 2, bottom + 16
            turn = f' transform="rotate(-45 {_n(cx)} {_n(cy)})"' if len(days) > 10 else ""
            anchor = "end" if len(days) > 10 else "middle"
            out.append(
                f'<text x="{_n(cx)}" y="{_n(cy)}" text-anchor="{anchor}"{turn}>{_e(day)}</text>'
            )
    out.append("</g>")
    out += _legend([name for name, _ in series], HEIGHT - 8)
    out.append("</svg>")
    return "".join(out)


def rates_chart(
    title: str,
    names: Sequence[str],
    series: Sequence[tuple[str, Sequence[tuple[float | None, list[float] | None]]]],
) -> str:
    """Rates in percent with their 95 % intervals as error bars; the axis ends a little above
    the highest interval (at least 10 %), so a 3 % reply rate is not a sliver under 100 %."""
    tops = [(ci[1] if ci else rate or 0.0) * 100 for _, values in series for rate, ci in values]
    high = min(100, max(10, math.ceil(max(tops, default=0) * 1.15 / 10) * 10))
    out = _open(title)
    left, right, top, bottom = 70.0, WIDTH - 20.0, 45.0, HEIGHT - 70.0
    out += _y_axis(left, right, top, bottom, high, _step(high), " %")
    slot = (right - left) / max(len(names), 1)
    bar = slot * 0.7 / max(len(series), 1)

    def y_of(percent: float) -> float:
        return bottom - (bottom - top) * min(percent, high) / high

    out.append('<g class="bars">')
    for g, name in enumerate(names):
        x0 = left + g * slot + slot * 0.15
        for s, (label, values) in enumerate(series):
            rate, ci = values[g]
            if rate is None:
                continue
            x = x0 + s * bar
            percent = rate * 100
            shown = f"{label}: {percent:.1f} %" + (
                f" ({ci[0] * 100:.1f}–{ci[1] * 100:.1f} %)" if ci else ""
            )
            out.append(
                f'<rect class="bar" x="{_n(x)}" y="{_n(y_of(percent))}" width="{_n(bar * 0.9)}"'
                f' height="{_n(bottom - y_of(percent))}" fill="{COLORS[s % len(COLORS)]}">'
                f"<title>{_e(name)} {_e(shown)}</title></rect>"
            )
            if ci:
                cx, low, up = x + bar * 0.45, y_of(ci[0] * 100), y_of(ci[1] * 100)
                out.append(
                    f'<path class="ci" d="M{_n(cx)} {_n(low)}V{_n(up)}M{_n(cx - 5)} {_n(low)}'
                    f'h10M{_n(cx - 5)} {_n(up)}h10" stroke="{_STRONG}" fill="none"/>'
                )
        out.append(
            f'<text x="{_n(left + g * slot + slot / 2)}" y="{_n(bottom + 18)}"'
            f' text-anchor="middle">{_e(name)}</text>'
        )
    out.append("</g>")
    out += _legend([label for label, _ in series], HEIGHT - 14)
    out.append("</svg>")
    return "".join(out)
