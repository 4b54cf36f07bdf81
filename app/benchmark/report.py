"""``report.html``: one self-contained page (inline SVG plots, inline CSS, no scripts or links).

Sections: at a glance (every task's systems with intervals in one figure, and a systems ×
held-out documents heat map per task), the leaderboard tables (with notes and per-document
values), cross-document headline bars per task, the first errors of each task's best system
(linked to its full list), per-type F1 bars with bootstrap intervals for labelled-spans tasks (ner),
confusion matrices for classification tasks, and the troop numbers reported in the corpus by
source and date (chart and table).
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, select_autoescape

from ...eval.kinds import kind_of
from . import plots
from .entries import REFERENCE
from .leaderboard import figures_text, p_text, verdict_text, versus
from .troops import TroopPoint, date_key

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
<p><strong>Headline: the cross-document score</strong> over {{ documents|length }} annotated
documents ({{ documents|join(", ") }}). {{ board.headline.why }}</p>
<p>Fixed split by document ({{ splits }}). {{ "%.0f"|format(boot.level * 100) }}% percentile
bootstrap intervals ({{ boot.resamples }} resamples, seed {{ boot.seed }}); the cross-document
ones resample documents, then examples within them. Floor: each task's own reference system
that every learned system must beat; Δ vs floor: the paired difference of the cross-document
scores with its interval over the held-out documents (<code>nkru compare</code>); p: the exact
one-sided paired test over the same documents, with the smallest p they allow. Label scheme
version {{ board.scheme_version }}, leaderboard format {{ board.format_version }}.</p>
<p>{{ board.verdicts.rule|replace("**", "")|replace("*", "") }}</p>

<h2 id="at-a-glance">At a glance</h2>
<p class="note">Every task's cross-document headline, one point per system with its
{{ "%.0f"|format(boot.level * 100) }}% interval (hollow: the task's floor; a system scored under
another label map is shown under it, named so); then, per task, each system's score on each
held-out document, so that differences between articles show at once. The same figures as a
table: <a href="scores.csv"><code>scores.csv</code></a> (one row per task × system ×
evaluation; <code>pandas.read_csv("results/scores.csv")</code>).</p>
<figure class="plot" data-plot="overview">{{ overview_svg|safe }}</figure>
<div class="grid">
{% for item in heatmaps %}
<figure class="plot" data-plot="documents-{{ item.task }}">{{ item.svg|safe }}</figure>
{% endfor %}
</div>

<h2 id="leaderboard">Leaderboard</h2>
{% for task, info in board.tasks.items() %}
<section class="task" id="task-{{ task }}">
<h3>{{ task }} — <code>{{ info.metric }}</code></h3>
<p class="note">All annotated documents: {{ info.all }}. Test split: {{ info.test }}.
Floor: <code>{{ info.floor }}</code> ({{ info.floor_description }}).</p>
<table class="leaderboard" data-task="{{ task }}">
<thead><tr><th>system</th><th>kind</th><th>cross-document (headline)</th><th>Δ vs floor</th>
<th>p</th><th>verdict</th><th>test</th><th>validation</th>
{% for m in info.label_maps %}<th>cross-document, {{ m }} labels</th>{% endfor %}</tr></thead>
<tbody>
{% for row in info.systems %}
<tr class="{{ row.kind }}"><td><code>{{ row.name }}</code></td><td>{{ row.kind }}</td>
<td class="num">{{ figures(row.pooled) }}</td><td class="num">{{ versus(row) }}</td>
<td class="num">{{ p_text(row) }}</td>
<td>{% if row.verdict and not row.beats_floor %}<span class="no">{{ row.verdict }}</span>
{%- else %}{{ verdict_text(row, info.floor) }}{% endif %}</td>
<td class="num">{{ figures(row.test) }}</td><td class="num">{{ figures(row.validation) }}</td>
{% for m in info.label_maps -%}
<td class="num">{{ figures(row.mapped.get(m, {}).get("pooled")) }}</td>
{%- endfor %}
</tr>
{% endfor %}
</tbody>
</table>
{% for row in info.systems if row.note or row.error or row.label_map or row.folds %}
<p class="note"><code>{{ row.name }}</code>:
{% if row.label_map %}predicts the labels of the {{ row.label_map }} label map; scored under it
only. {% endif %}
{% if row.folds %}per held-out document: {% for f in row.folds %}{{ f.document }}
{{ "%.3f"|format(f.value) }}{{ ", " if not loop.last else ". " }}{% endfor %}{% endif %}
{% if row.error %}error: {{ row.error }}. {% endif %}
{% if row.note %}{{ row.note }}{% endif %}</p>
{% endfor %}
{% if info.too_rare %}<p class="note">Too rare to measure (fewer than {{ board.verdicts.rare }}
gold examples): {% for c in info.too_rare %}{{ c }} ({{ info.classes[c].gold }}){{ ", " if not
loop.last else "." }}{% endfor %}</p>{% endif %}
<figure class="plot" data-plot="headline-{{ task }}">{{ headline[task]|safe }}</figure>
</section>
{% endfor %}

<h2 id="power">What the benchmark can tell apart</h2>
<table class="power">
<thead><tr><th>task</th><th>best system vs floor</th><th>Δ [interval]</th>
<th>smallest detectable difference</th><th>documents</th>
<th>smallest p (one-sided / two-sided)</th></tr></thead>
<tbody>
{% for task, info in board.tasks.items() if info.power %}
<tr><td>{{ task }}</td><td><code>{{ info.power.system }}</code> vs <code>{{ info.power.floor
}}</code></td><td class="num">{{ "%+.3f"|format(info.power.delta) }} [{{
"%+.3f"|format(info.power.ci_low) }}, {{ "%+.3f"|format(info.power.ci_high) }}]</td>
<td class="num">{{ "%.3f"|format(info.power.detectable) }}</td>
<td class="num">{{ info.power.documents }}</td>
<td class="num">{{ "%.3f"|format(info.power.smallest_p_one_sided) }} / {{
"%.3f"|format(info.power.smallest_p_two_sided) }}</td></tr>
{% endfor %}
</tbody>
</table>
<p class="note">The half-width of the {{ "%.0f"|format(boot.level * 100) }}% paired
document-level bootstrap interval of the best system's difference with its floor: a smaller
difference leaves zero inside an interval as wide.</p>

{% for item in per_type %}
<h2 id="{{ item.task }}-per-type">{{ item.task }}: F1 per type</h2>
<p class="note">Strict F1 per type of the cross-document predictions, one dot per system (a
score of 0 is a dot at 0; no dot: the system has no figure for that type), with the number of
gold entities of each type; intervals from the same seeded resamples as the headline.</p>
<figure class="plot" data-plot="{{ item.task }}-per-type">{{ item.svg|safe }}</figure>
{% endfor %}

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

<h2 id="errors">Errors of the best system per task</h2>
<p class="note">The first {{ error_rows }} errors of each task's best system (highest
cross-document score under the task's own labels) on its pooled cross-document predictions, in
gold order, with the kind of error in the task's terms and the sentence with the gold span in
<code>[[…]]</code> and the predicted one in <code>{{ "{{…}}" }}</code>; every system's full
list is a CSV under <code>errors/</code> (<code>nkru eval … --errors</code>, columns in
<code>eval/FORMAT.md</code>).</p>
{% for item in error_lists %}
<h3>{{ item.task }} — <code>{{ item.system }}</code>: {{ item.count }} errors
({% for kind, n in item.kinds.items() %}{{ kind }} {{ n }}{{ ", " if not loop.last }}{% endfor
%}) — <a href="{{ item.file }}">all {{ item.count }} (CSV)</a></h3>
<table class="errors" data-task="{{ item.task }}">
<thead><tr><th>id</th><th>kind</th><th>gold</th><th>predicted</th><th>context</th></tr></thead>
<tbody>
{% for e in item.rows %}
<tr><td><code>{{ e.id }}</code></td><td>{{ e.kind }}</td>
<td>{{ e.gold_text }}{% if e.gold_label %} ({{ e.gold_label }}){% endif %}</td>
<td>{{ e.predicted_text }}{% if e.predicted_label %} ({{ e.predicted_label }}){% endif %}</td>
<td>{{ e.context }}</td></tr>
{% endfor %}
</tbody>
</table>
{% endfor %}

<h2 id="confusion">Confusion matrices</h2>
<p class="note">Counts (rows: gold, columns: predicted). Entity types: the best NER system's
entities matched as in its error list (boundaries aside), <code>O</code> for a missed or
spurious entity.</p>
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


def _scores(output: Path, figures: dict[str, Any] | None) -> dict[str, Any] | None:
    if not figures or not figures.get("scores"):
        return None
    return json.loads((output / figures["scores"]).read_text(encoding="utf-8"))


def _chart_rows(info: dict[str, Any]) -> list[dict[str, Any]]:
    """The systems' cross-document figures, for the headline chart."""
    return [
        {"name": row["name"], "kind": row["kind"], **(row["pooled"] or {})}
        for row in info["systems"]
    ]


def _shown(row: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A system's name and cross-document figures as the overview shows them: under its own
    label map when it declares one."""
    if row["label_map"]:
        pooled = (row["mapped"].get(row["label_map"]) or {}).get("pooled") or {}
        return f"{row['name']} ({row['label_map']} labels)", pooled
    return row["name"], row["pooled"] or {}


def _overview(board: dict[str, Any]) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """Each task's systems for the overview figure."""
    out = []
    for task, info in board["tasks"].items():
        rows = []
        for row in info["systems"]:
            name, figures = _shown(row)
            floor = row["name"] == info["floor"] and row["kind"] == REFERENCE
            rows.append({**figures, "name": name, "kind": row["kind"], "floor": floor})
        out.append((task, info["metric"], rows))
    return out


def _heatmap(task: str, info: dict[str, Any], documents: Sequence[str]) -> str:
    rows = [
        {"name": row["name"], "folds": {f["document"]: f["value"] for f in row["folds"]}}
        for row in info["systems"]
        if row["folds"]
    ]
    return plots.documents_chart(task, documents, rows)


ERROR_ROWS = 20


def _best(info: dict[str, Any]) -> dict[str, Any] | None:
    """The task's best system under its own labels that has an error list."""
    scored = [
        row
        for row in info["systems"]
        if row.get("errors")
        and not row["label_map"]
        and (row["pooled"] or {}).get("value") is not None
    ]
    return max(scored, key=lambda row: row["pooled"]["value"], default=None)


def _error_list(task: str, row: dict[str, Any], output: Path) -> dict[str, Any]:
    """The first :data:`ERROR_ROWS` errors of a system's list (its CSV under ``output``)."""
    with (output / row["errors"]["file"]).open(encoding="utf-8", newline="") as handle:
        first = list(itertools.islice(csv.DictReader(handle), ERROR_ROWS))
    return {"task": task, "system": row["name"], **row["errors"], "rows": first}


def render_report(board: dict[str, Any], output: Path, points: Sequence[TroopPoint]) -> str:
    """The HTML page (reads the per-system eval reports under ``output/scores`` and the error
    lists under ``output/errors``)."""
    headline = {
        task: plots.headline_chart(task, info["metric"], _chart_rows(info))
        for task, info in board["tasks"].items()
    }
    documents = board["dataset"]["documents"]
    heatmaps = [
        {"task": task, "svg": _heatmap(task, info, documents)}
        for task, info in board["tasks"].items()
        if any(row["folds"] for row in info["systems"])
    ]
    per_type, confusions, error_lists = [], [], []
    for task, info in board["tasks"].items():
        best = _best(info)
        if best is not None:
            error_lists.append(_error_list(task, best, output))
            if best.get("confusion"):
                svg = plots.confusion_chart(task, best["name"], best["confusion"])
                confusions.append({"task": task, "system": best["name"], "svg": svg})
        rows = [(row, _scores(output, row["pooled"])) for row in info["systems"]]
        if kind_of(info["kind"]).entity_types:
            systems = [
                (row["name"], {label: m["strict"] for label, m in report["per_type"].items()})
                for row, report in rows
                if report
            ]
            per_type.append({"task": task, "svg": plots.per_type_chart(task, systems)})
        for row, report in rows:
            if row["kind"] != REFERENCE and report and "confusion_matrix" in report:
                svg = plots.confusion_chart(task, row["name"], report["confusion_matrix"])
                confusions.append({"task": task, "system": row["name"], "svg": svg})
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
        per_type=per_type,
        overview_svg=plots.overview_chart(_overview(board)),
        heatmaps=heatmaps,
        error_lists=error_lists,
        error_rows=ERROR_ROWS,
        curve_svg=plots.learning_curve_chart(board.get("learning_curve") or {}),
        confusions=confusions,
        troops=ordered,
        troops_svg=plots.troops_chart(ordered),
        figures=figures_text,
        versus=versus,
        p_text=p_text,
        verdict_text=verdict_text,
    )


def write_report(board: dict[str, Any], output: Path, points: Sequence[TroopPoint]) -> Path:
    """Write ``output/report.html``."""
    path = output / "report.html"
    path.write_text(render_report(board, output, points), encoding="utf-8")
    return path
