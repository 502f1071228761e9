"""The report as one self-contained HTML file (styles and SVG charts inlined, no script, no
network), JSON, CSV (one long table: section, group, field, value) or Markdown."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from typing import Any

import jinja2
from markupsafe import Markup

from outreach.domain.funnel import STAGES
from outreach.services.report import charts
from outreach.services.report.labels import LABELS

FORMATS = ("html", "json", "csv", "md")


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f} %"


def _ci(value: list[float] | None) -> str:
    return "" if not value else f"{value[0] * 100:.1f}–{value[1] * 100:.1f} %"


def _num(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _money(amount: Any, currency: str | None) -> str:
    """`85,300 JPY`; only the dash when unknown (a campaign without deals has no currency)."""
    return "—" if amount is None else f"{_num(amount)} {currency or ''}".strip()


def _hours(value: float | None, words: Mapping[str, str]) -> str:
    if value is None:
        return ""
    if value >= 48:
        return f"{value / 24:.1f} {words['days']}"
    return f"{value:.1f} {words['hours']}"


def to_json(report: Mapping[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n"


def _cell(value: Any) -> str:
    """Spreadsheet formulas neutralised (OWASP ASVS 1.2.10, CWE-1236)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(report: Mapping[str, Any]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["section", "group", "field", "value"])
    for key in ("campaign", "generated_at", "since", "timezone"):
        w.writerow(["meta", "", key, _cell(report[key])])
    for key, value in report["headline"].items():
        w.writerow(["headline", "", key, _cell(value)])
    for row in report["funnel"]:
        for key in ("count", "rate", "of_enrolled", "median_hours"):
            w.writerow(["funnel", row["stage"], key, _cell(row[key])])
    for row in report["over_time"]:
        w.writerow(["over_time", row["date"], "sends", row["sends"]])
        w.writerow(["over_time", row["date"], "replies", row["replies"]])
    for row in report["influencers"]:
        for key, value in row.items():
            if key != "handle":
                shown = " ".join(value) if isinstance(value, list) else value
                w.writerow(["influencer", _cell(row["handle"]), key, _cell(shown)])
    for step in report["variants"]:
        for arm in step["arms"]:
            for key, value in arm.items():
                if key != "variant":
                    shown = _ci(value) if key.endswith("_ci") else value
                    w.writerow([f"variant step {step['step']}", _cell(arm["variant"]), key, shown])
        for which in ("reply", "positive"):
            if step[which]:
                w.writerow([f"variant step {step['step']}", "", which, step[which]["text"]])
    for section in ("platforms", "tiers"):
        for row in report[section]:
            for key, value in row.items():
                if key != "group":
                    shown = _ci(value) if key.endswith("_ci") else value
                    w.writerow([section, _cell(row["group"]), key, _cell(shown)])
    return buf.getvalue()


def _md_table(head: list[str], rows: list[list[str]]) -> str:
    def esc(cell: str) -> str:
        return cell.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(esc(h) for h in head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def to_md(report: Mapping[str, Any]) -> str:
    w = LABELS[report["language"]]
    h = report["headline"]
    out = [
        f"# {w['title']}: {report['campaign']}",
        "",
        f"{w['generated']}: {report['generated_at']} · {w['since']}: "
        f"{report['since'] or w['all_time']} · {w['times_in']} {report['timezone']}",
        "",
        f"## {w['headline']}",
        "",
        _md_table(
            [w["cost"], w["reach"], w["clicks"], w["conversions"], w["revenue"], w["roi"]],
            [
                [
                    _money(h["cost"], h["currency"]),
                    _num(h["reach"]),
                    _num(h["clicks"]),
                    _num(h["conversions"]),
                    _num(h["revenue"]),
                    _pct(h["roi"]) or "—",
                ]
            ],
        ),
        "",
        f"## {w['funnel']}",
        "",
        _md_table(
            [w["stage"], w["people"], w["rate"], w["of_enrolled"], w["median"]],
            [
                [
                    w["s_" + r["stage"]],
                    _num(r["count"]),
                    _pct(r["rate"]),
                    _pct(r["of_enrolled"]),
                    _hours(r["median_hours"], w),
                ]
                for r in report["funnel"]
            ],
        ),
        "",
        f"## {w['influencers']}",
        "",
        _md_table(
            [
                *(w[k] for k in ("handle", "platform", "cost", "reach", "clicks")),
                *(w[k] for k in ("conversions", "roi", "posts")),
            ],
            [
                [
                    "@" + r["handle"],
                    r["platform"],
                    _num(r["cost"]),
                    _num(r["reach"]),
                    _num(r["clicks"]),
                    _num(r["conversions"]),
                    _pct(r["roi"]),
                    " ".join(r["post_urls"]),
                ]
                for r in report["influencers"]
            ],
        )
        if report["influencers"]
        else w["none"],
        "",
        f"## {w['variants']}",
        "",
    ]
    for step in report["variants"]:
        out += [
            f"### {w['step']} {step['step']}",
            "",
            _md_table(
                [w["variant"], w["sent_to"], w["reply_rate"], w["positive_rate"]],
                [
                    [
                        a["variant"],
                        _num(a["trials"]),
                        f"{_pct(a['reply_rate'])} ({_ci(a['reply_ci'])})",
                        f"{_pct(a['positive_rate'])} ({_ci(a['positive_ci'])})",
                    ]
                    for a in step["arms"]
                ],
            ),
            "",
        ]
        for which in ("reply", "positive"):
            if step[which]:
                out += [
                    f"- {w['reply_rate' if which == 'reply' else 'positive_rate']}: "
                    f"{step[which]['text']}"
                ]
        out.append("")
    for key, title in (("platforms", "by_platform"), ("tiers", "by_tier")):
        out += [
            f"## {w[title]}",
            "",
            _md_table(
                [w["group"], w["enrolled"], w["replied"], w["reply_rate"], w["contracted"]],
                [
                    [
                        r["group"],
                        _num(r["enrolled"]),
                        _num(r["replied"]),
                        f"{_pct(r['reply_rate'])} ({_ci(r['reply_ci'])})",
                        _num(r["contracted"]),
                    ]
                    for r in report[key]
                ],
            ),
            "",
        ]
    out += [f"## {w['definitions']}", ""]
    out += [f"- **{d['term']}**: {d['definition']}" for d in report["definitions"]]
    return "\n".join(out) + "\n"


_CSS = """
:root { color-scheme: light; }
body { font-family: "Noto Sans CJK JP", "Noto Sans JP", "Hiragino Sans", "Yu Gothic", Meiryo,
  "Helvetica Neue", Arial, sans-serif; color: #222; margin: 2rem auto; max-width: 60rem;
  padding: 0 1rem; line-height: 1.5; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.25rem; border-bottom: 2px solid #3b6ea8; padding-bottom: .2rem; }
.meta { color: #555; font-size: .9rem; }
section { margin: 1.5rem 0; break-inside: avoid-page; }
.kpis { display: grid; grid-template-columns: repeat(3, 1fr); gap: .6rem; }
.kpi { border: 1px solid #ccd; border-radius: 6px; padding: .6rem .8rem; }
.kpi .label { color: #555; font-size: .85rem; }
.kpi .value { font-size: 1.4rem; font-weight: bold; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; margin: .5rem 0; }
th, td { border: 1px solid #ccd; padding: .25rem .4rem; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #eef2f8; }
tr { break-inside: avoid; }
a { color: #2a5a94; word-break: break-all; }
svg { width: 100%; height: auto; }
.verdict { background: #f6f6ef; border-left: 4px solid #e0833a; padding: .3rem .6rem; }
dl dt { font-weight: bold; } dl dd { margin: 0 0 .4rem 1rem; }
@page { size: A4; margin: 14mm; }
@media print { body { margin: 0; max-width: none; } a { color: #222; }
  section { break-inside: avoid-page; } }
"""

_HTML = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined).from_string(
    """<!DOCTYPE html>
<html lang="{{ r.language }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>{{ w.title }}: {{ r.campaign }}</title>
<style>{{ css }}</style>
</head>
<body>
<h1>{{ w.title }}: {{ r.campaign }}</h1>
<p class="meta">{{ w.generated }}: {{ r.generated_at }} · {{ w.since }}: {{ r.since or w.all_time }}
 · {{ w.times_in }} {{ r.timezone }}</p>

<section id="headline"><h2>{{ w.headline }}</h2>
<div class="kpis">
{% for label, value in kpis %}<div class="kpi"><div class="label">{{ label }}</div>
<div class="value">{{ value }}</div></div>
{% endfor %}</div></section>

<section id="funnel"><h2>{{ w.funnel }}</h2>
{{ funnel_svg }}
<table><tr><th>{{ w.stage }}</th><th>{{ w.people }}</th><th>{{ w.rate }}</th>
<th>{{ w.of_enrolled }}</th><th>{{ w.median }}</th></tr>
{% for row in r.funnel %}<tr><td>{{ w["s_" + row.stage] }}</td>
<td class="n">{{ num(row.count) }}</td>
<td class="n">{{ pct(row.rate) }}</td><td class="n">{{ pct(row.of_enrolled) }}</td>
<td class="n">{{ hours(row.median_hours) }}</td></tr>
{% endfor %}</table></section>

<section id="over-time"><h2>{{ w.over_time }}</h2>
{% if r.over_time %}{{ time_svg }}{% else %}<p>{{ w.none }}</p>{% endif %}</section>

<section id="influencers"><h2>{{ w.influencers }}</h2>
{% if r.influencers %}<table><tr><th>{{ w.handle }}</th><th>{{ w.platform }}</th>
<th>{{ w.tier }}</th>
<th>{{ w.cost }}</th><th>{{ w.reach }}</th><th>{{ w.er }}</th><th>{{ w.clicks }}</th>
<th>{{ w.conversions }}</th><th>{{ w.revenue }}</th><th>{{ w.roi }}</th><th>{{ w.posts }}</th></tr>
{% for p in r.influencers %}<tr><td>@{{ p.handle }}<br>{{ p.name }}</td><td>{{ p.platform }}</td>
<td>{{ p.tier }}</td><td class="n">{{ num(p.cost) }}</td><td class="n">{{ num(p.reach) }}</td>
<td class="n">{{ pct(p.er) }}</td><td class="n">{{ num(p.clicks) }}</td>
<td class="n">{{ num(p.conversions) }}</td><td class="n">{{ num(p.revenue) }}</td>
<td class="n">{{ pct(p.roi) }}</td>
<td>{% for url in p.post_urls %}<a href="{{ url }}">{{ url }}</a><br>{% endfor %}</td></tr>
{% endfor %}</table>{% else %}<p>{{ w.none }}</p>{% endif %}</section>

<section id="variants"><h2>{{ w.variants }}</h2>
{% for step in r.variants %}<h3>{{ w.step }} {{ step.step }}</h3>
{{ variant_svgs[loop.index0] }}
<table><tr><th>{{ w.variant }}</th><th>{{ w.sent_to }}</th><th>{{ w.reply_rate }}</th>
<th>{{ w.positive_rate }}</th></tr>
{% for a in step.arms %}<tr><td>{{ a.variant }}</td><td class="n">{{ num(a.trials) }}</td>
<td class="n">{{ pct(a.reply_rate) }} ({{ ci(a.reply_ci) }})</td>
<td class="n">{{ pct(a.positive_rate) }} ({{ ci(a.positive_ci) }})</td></tr>
{% endfor %}</table>
{% if step.reply %}<p class="verdict">{{ w.reply_rate }}: {{ step.reply.text }}<br>
{{ w.positive_rate }}: {{ step.positive.text }}</p>{% endif %}
{% else %}<p>{{ w.none }}</p>{% endfor %}</section>

<section id="breakdowns"><h2>{{ w.breakdowns }}</h2>
{% for title, rows, svg in breakdowns %}<h3>{{ title }}</h3>
{{ svg }}
<table><tr><th>{{ w.group }}</th><th>{{ w.enrolled }}</th><th>{{ w.s_delivered }}</th>
<th>{{ w.replied }}</th><th>{{ w.reply_rate }}</th><th>{{ w.contracted }}</th>
<th>{{ w.s_posted }}</th><th>{{ w.s_converted }}</th></tr>
{% for b in rows %}<tr><td>{{ b.group }}</td><td class="n">{{ num(b.enrolled) }}</td>
<td class="n">{{ num(b.delivered) }}</td><td class="n">{{ num(b.replied) }}</td>
<td class="n">{{ pct(b.reply_rate) }} ({{ ci(b.reply_ci) }})</td>
<td class="n">{{ num(b.contracted) }}</td><td class="n">{{ num(b.posted) }}</td>
<td class="n">{{ num(b.converted) }}</td></tr>
{% endfor %}</table>
{% endfor %}</section>

<section id="definitions"><h2>{{ w.definitions }}</h2>
<dl>{% for d in r.definitions %}<dt>{{ d.term }}</dt><dd>{{ d.definition }}</dd>
{% endfor %}</dl></section>
</body>
</html>
"""
)


def to_html(report: Mapping[str, Any]) -> str:
    w = LABELS[report["language"]]
    h = report["headline"]
    funnel = {r["stage"]: r["count"] for r in report["funnel"]}
    kpis = [
        (w["cost"], _money(h["cost"], h["currency"])),
        (w["reach"], _num(h["reach"])),
        (w["clicks"], _num(h["clicks"])),
        (w["conversions"], _num(h["conversions"])),
        (w["revenue"], _num(h["revenue"])),
        (w["roi"], _pct(h["roi"]) or "—"),
    ]
    days = [r["date"] for r in report["over_time"]]
    variant_svgs = [
        charts.rates_chart(
            f"{w['step']} {step['step']}",
            [a["variant"] for a in step["arms"]],
            [
                (w["reply_rate"], [(a["reply_rate"], a["reply_ci"]) for a in step["arms"]]),
                (
                    w["positive_rate"],
                    [(a["positive_rate"], a["positive_ci"]) for a in step["arms"]],
                ),
            ],
        )
        for step in report["variants"]
    ]
    breakdowns = [
        (
            w[title],
            report[key],
            charts.rates_chart(
                w[title],
                [r["group"] for r in report[key]],
                [(w["reply_rate"], [(r["reply_rate"], r["reply_ci"]) for r in report[key]])],
            ),
        )
        for key, title in (("platforms", "by_platform"), ("tiers", "by_tier"))
    ]
    return _HTML.render(
        r=report,
        w=w,
        css=Markup(_CSS),  # a <style> element is raw text: escaped quotes would break it
        kpis=kpis,
        num=_num,
        pct=_pct,
        ci=_ci,
        hours=lambda v: _hours(v, w),
        funnel_svg=Markup(
            charts.funnel_chart(
                w["funnel"], [w["s_" + s] for s in STAGES], [funnel[s] for s in STAGES]
            )
        ),
        time_svg=Markup(
            charts.over_time_chart(
                w["over_time"],
                days,
                [
                    (w["sends"], [r["sends"] for r in report["over_time"]]),
                    (w["replies"], [r["replies"] for r in report["over_time"]]),
                ],
            )
        )
        if days
        else "",
        variant_svgs=[Markup(s) for s in variant_svgs],
        breakdowns=[(t, rows, Markup(s)) for t, rows, s in breakdowns],
    )


def render(report: Mapping[str, Any], fmt: str) -> str:
    return {"html": to_html, "json": to_json, "csv": to_csv, "md": to_md}[fmt](report)
