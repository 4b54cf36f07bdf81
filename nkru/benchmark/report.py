"""``report.html``: one self-contained page (inline SVG plots, inline CSS, no scripts or links).

Sections: the leaderboard tables (with notes), headline bars per task, per-type F1 bars with
bootstrap intervals for ner, confusion matrices for stance/certainty/topic, and the troop
numbers reported in the corpus by source and date (chart and table).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, select_autoescape

from nkru.benchmark import plots
from nkru.benchmark.systems import REFERENCE
from nkru.benchmark.troops import TroopPoint, date_key

CONFUSION_TASKS = ("stance", "certainty", "topic")

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>NKRU-FR benchmark report</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222;
       padding: 0 1rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.reference td { color: #555; }
tr.user td { background: #fff4e5; }
.no { color: #b00020; font-weight: bold; }
.note { font-size: 0.85rem; color: #444; max-width: 60rem; }
figure { margin: 1rem 0; }
figure svg { max-width: 100%; height: auto; }
.grid { display: flex; flex-wrap: wrap; gap: 1rem; }
code { background: #f4f4f4; padding: 0 0.2rem; }
</style>
</head>
<body>
<h1>NKRU-FR benchmark report</h1>
<p>Test split ({{ splits }}); {{ "%.0f"|format(boot.level * 100) }}% percentile bootstrap
intervals ({{ boot.resamples }} resamples, seed {{ boot.seed }}).
LODO: leave-one-document-out over {{ documents|length }} annotated documents
({{ documents|join(", ") }}), mean ± std of the headline metric.
Schema version {{ board.schema_version }}.</p>

<h2 id="leaderboard">Leaderboard</h2>
{% for task, info in board.tasks.items() %}
<section class="task" id="task-{{ task }}">
<h3>{{ task }} — <code>{{ info.metric }}</code></h3>
<p class="note">Test: {{ info.test }}. Floor reference: <code>{{ info.floor_reference }}</code>.</p>
<table class="leaderboard" data-task="{{ task }}">
<thead><tr><th>system</th><th>kind</th><th>test</th><th>95% CI</th><th>validation</th>
<th>LODO mean ± std (folds)</th><th>beats floor</th></tr></thead>
<tbody>
{% for row in info.systems %}
<tr class="{{ row.kind }}"><td><code>{{ row.name }}</code></td><td>{{ row.kind }}</td>
<td class="num">{{ num(row.value) }}</td><td class="num">{{ ci(row) }}</td>
<td class="num">{{ num(row.validation.value) if row.validation else "—" }}</td>
<td class="num">{{ lodo(row.lodo) }}</td>
<td>{% if row.kind == "reference" %}(reference){% elif row.beats_majority_reference is none
%}—{% elif row.beats_majority_reference %}yes{% else %}<span class="no">no</span>{% endif %}</td>
</tr>
{% endfor %}
</tbody>
</table>
{% for row in info.systems if row.note or row.scored_against or row.error %}
<p class="note"><code>{{ row.name }}</code>:
{% if row.scored_against %}scored against {{ row.scored_against }}. {% endif %}
{% if row.error %}error: {{ row.error }}. {% endif %}
{% if row.note %}{{ row.note }}{% endif %}</p>
{% endfor %}
<figure class="plot" data-plot="headline-{{ task }}">{{ headline[task]|safe }}</figure>
</section>
{% endfor %}

<h2 id="ner-per-type">NER: F1 per entity type</h2>
<p class="note">Strict F1 per type on the test split, one dot per system (a score of 0 is a
dot at 0; no dot: the system has no figure for that type), with the number of gold entities
of each type; intervals from the same seeded bootstrap resamples as the headline
(per-example counts per type).</p>
<figure class="plot" data-plot="ner-per-type">{{ per_type|safe }}</figure>

{% if curve_svg %}
<h2 id="learning-curve">Learning curve</h2>
<p class="note">Cross-document score against the number of training documents: every annotated
document held out in turn, the system trained on every subset of that size of the other
documents, all held-out predictions of one size pooled and scored once (band: lowest and
highest single fit). Learned systems reuse the settings their leave-one-document-out fold
chose. What more annotated documents would buy; the table is <code>learning_curve</code> in
<code>leaderboard.json</code>.</p>
<figure class="plot" data-plot="learning-curve">{{ curve_svg|safe }}</figure>
{% endif %}

<h2 id="confusion">Confusion matrices</h2>
<div class="grid">
{% for item in confusions %}
<figure class="plot" data-plot="confusion-{{ item.task }}-{{ item.system }}">{{ item.svg|safe }}
<figcaption>{{ item.task }} / {{ item.system }} (rows: gold, columns: predicted)</figcaption>
</figure>
{% endfor %}
</div>

<h2 id="troops">Troop numbers reported in the corpus</h2>
<p class="note">QUANTITY entities inside claims with topic <code>troops</code>, from the
ground-truth annotations: value from the normalised value (marker: ~ circle, &gt; up triangle,
&lt; down triangle, range square with its bounds, exact diamond), source from the stance
relations (<code>author</code> when the claim has none; colour), its stance (filled: support,
hollow: deny, half-filled: query), date from a DATE entity in the claim, else the document
date. Numbers reported on the same date stand side by side; the table names each one.</p>
<figure class="plot" data-plot="troops">{{ troops_svg|safe }}</figure>
<table class="troops">
<thead><tr><th>date</th><th>source</th><th>stance</th><th>value</th><th>mention</th>
<th>document</th><th>claim</th></tr></thead>
<tbody>
{% for p in troops %}
<tr><td>{{ p.date }}{% if p.date_from == "document" %} (doc){% endif %}</td><td>{{ p.source }}</td>
<td>{{ p.stance }}</td><td class="num">{{ p.normalised }}</td><td>{{ p.mention }}</td>
<td>{{ p.document_id }}</td><td>{{ p.claim }}</td></tr>
{% endfor %}
</tbody>
</table>
</body>
</html>
"""


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _ci(row: dict[str, Any]) -> str:
    return "—" if row.get("ci_low") is None else f"[{row['ci_low']:.3f}, {row['ci_high']:.3f}]"


def _lodo(lodo: dict[str, Any] | None) -> str:
    if not lodo or lodo.get("mean") is None:
        return "—"
    return f"{lodo['mean']:.3f} ± {lodo['std']:.3f} ({len(lodo['folds'])})"


def _scores(output: Path, row: dict[str, Any]) -> dict[str, Any] | None:
    if not row.get("scores"):
        return None
    return json.loads((output / row["scores"]).read_text(encoding="utf-8"))


def render_report(board: dict[str, Any], output: Path, points: Sequence[TroopPoint]) -> str:
    """The HTML page (reads the per-system eval reports under ``output/scores``)."""
    headline = {
        task: plots.headline_chart(task, info["metric"], info["systems"])
        for task, info in board["tasks"].items()
    }
    per_type_systems = []
    for row in board["tasks"]["ner"]["systems"]:
        report = _scores(output, row)
        if report and not row["scored_against"]:
            strict = {label: m["strict"] for label, m in report["per_type"].items()}
            per_type_systems.append((row["name"], strict))
    confusions = []
    for task in CONFUSION_TASKS:
        for row in board["tasks"][task]["systems"]:
            if row["kind"] == REFERENCE:
                continue
            report = _scores(output, row)
            if report and "confusion_matrix" in report:
                confusions.append(
                    {
                        "task": task,
                        "system": row["name"],
                        "svg": plots.confusion_chart(task, row["name"], report["confusion_matrix"]),
                    }
                )
    ordered = sorted(points, key=lambda p: (date_key(p.date), p.source, p.value))
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    template = env.from_string(TEMPLATE)
    data = board["dataset"]
    return template.render(
        board=board,
        boot=board["bootstrap"],
        documents=data["documents"],
        splits="; ".join(f"{s}: {', '.join(d)}" for s, d in data["splits"].items()),
        headline=headline,
        per_type=plots.per_type_chart(per_type_systems),
        curve_svg=plots.learning_curve_chart(board.get("learning_curve") or {}),
        confusions=confusions,
        troops=ordered,
        troops_svg=plots.troops_chart(ordered),
        num=_num,
        ci=_ci,
        lodo=_lodo,
    )


def write_report(board: dict[str, Any], output: Path, points: Sequence[TroopPoint]) -> Path:
    """Write ``output/report.html``."""
    path = output / "report.html"
    path.write_text(render_report(board, output, points), encoding="utf-8")
    return path
