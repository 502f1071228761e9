"""Charts as SVG drawn on the server with pygal, inlined in the report.

Why pygal: it is pure Python (no browser, no Node, no binary), its SVG needs no script and no
network once its tooltip script is switched off (`js=[]`), prints as vectors to PDF, and the
same functions serve the web console, which embeds the SVG a request returns. A vendored JS
library would need a script engine in every reader (mail previews and some PDF pipelines have
none); Vega-Lite through vl-convert ships a 50 MB native binary for the same bar and line charts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import pygal  # type: ignore[import-untyped]  # pygal ships no type information
from pygal.style import Style  # type: ignore[import-untyped]

# Fonts a reader has, Japanese ones first so kana and kanji never fall back to boxes.
FONTS = (
    '"Noto Sans CJK JP", "Noto Sans JP", "Hiragino Sans", "Yu Gothic", Meiryo, '
    '"Helvetica Neue", Arial, sans-serif'
)
STYLE = Style(
    font_family=FONTS,
    background="white",
    plot_background="white",
    foreground="#333",
    foreground_strong="#111",
    foreground_subtle="#777",
    colors=("#3b6ea8", "#e0833a", "#4a9a5b", "#b04a4a", "#7a5ea8"),
    title_font_size=16,
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=12,
    value_font_size=11,
)
_COMMON: dict[str, Any] = {
    "style": STYLE,
    "js": [],  # pygal's tooltips load a script from the network: none in an offline report
    "disable_xml_declaration": True,  # inlined in HTML
    "width": 800,
    "height": 360,
    "print_values": True,
    "truncate_label": -1,
}


# pygal always writes a script holding its tooltip settings, used only by the tooltip
# script `js=[]` leaves out: dropped, so the report runs no script at all.
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL)


def _svg(chart: Any) -> str:
    return _SCRIPT.sub("", str(chart.render(is_unicode=True)))


def funnel_chart(title: str, stages: Sequence[str], counts: Sequence[int]) -> str:
    """People per funnel stage, as horizontal bars in funnel order."""
    chart = pygal.HorizontalBar(**_COMMON, show_legend=False, title=title)
    chart.x_labels = list(reversed(stages))  # pygal draws the first label at the bottom
    chart.add(title, list(reversed(counts)))
    return _svg(chart)


def over_time_chart(
    title: str, days: Sequence[str], series: Sequence[tuple[str, Sequence[int]]]
) -> str:
    """Counts per day, one bar series each (sends, replies)."""
    chart = pygal.Bar(
        **{**_COMMON, "print_values": len(days) <= 20},
        title=title,
        x_label_rotation=0 if len(days) <= 10 else 45,
        show_minor_x_labels=len(days) <= 20,
        legend_at_bottom=True,
    )
    chart.x_labels = list(days)
    if len(days) > 20:
        chart.x_labels_major_every = max(1, len(days) // 10)
    for name, values in series:
        chart.add(name, list(values))
    return _svg(chart)


def rates_chart(
    title: str,
    names: Sequence[str],
    series: Sequence[tuple[str, Sequence[tuple[float | None, list[float] | None]]]],
) -> str:
    """Rates in percent with their 95 % intervals as error bars; the axis ends a little above
    the highest interval (at least 10 %), so a 3 % reply rate is not a sliver under 100 %."""
    tops = [(ci[1] if ci else rate or 0.0) * 100 for _, values in series for rate, ci in values]
    top = min(100, max(10, math.ceil(max(tops, default=0) * 1.15 / 10) * 10))
    chart = pygal.Bar(
        **{**_COMMON, "print_values": False},
        title=title,
        legend_at_bottom=True,
        value_formatter=lambda v: f"{v:.1f} %",
        range=(0, top),
    )
    chart.x_labels = list(names)
    for name, values in series:
        chart.add(
            name,
            [
                None
                if rate is None
                else {
                    "value": rate * 100,
                    "ci": {"low": ci[0] * 100, "high": ci[1] * 100} if ci else {},
                }
                for rate, ci in values
            ],
        )
    return _svg(chart)
