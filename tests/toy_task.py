"""A new task declared in this module alone: mention typing (an entity mention in its sentence
-> its entity type), a :class:`nkru.tasks.Task` made from the ground truth that no other module
knows, and a user system for it. It is the worked example of CONTRIBUTING.md ("A new task");
tests/test_toy_task.py takes it through build, eval and benchmark.

It imports nothing but the declarations it needs: every benchmark fit of the task unpickles
the declaration (its rows function) in a fresh worker process, which imports this module.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from nkru.rows import AnnotatedDocument
from nkru.schema import ENTITY_LABELS
from nkru.tasks import CLASSIFICATION, INT, STRING, ClassLabels, Row, Task


def mention_rows(d: AnnotatedDocument) -> list[Row]:
    """One row per entity mention: the mention in its sentence, labelled with its type."""
    rows = []
    for n, entity in enumerate(d.entities, start=1):
        ctx, context = d.context(entity.start, entity.end)
        rows.append(
            {
                "id": f"{d.doc.id}-m{n:03d}",
                "document_id": d.doc.id,
                "text": context,
                "context_start": ctx,
                "start": entity.start - ctx,
                "end": entity.end - ctx,
                "mention": entity.text,
                "label": entity.label,
            }
        )
    return rows


INPUTS = ("id", "document_id", "text", "context_start", "start", "end", "mention")
TOY = Task(
    name="mention_type",
    kind=CLASSIFICATION,
    description="entity mention in context -> its type",
    unit="one row per entity mention: the mention in its sentence",
    payload="label",
    columns={
        "id": STRING,
        "document_id": STRING,
        "text": STRING,
        "context_start": INT,
        "start": INT,
        "end": INT,
        "mention": STRING,
        "label": ClassLabels(ENTITY_LABELS),
    },
    inputs=INPUTS,
    headline="accuracy",
    floor="majority",
    references=("majority",),  # its kind's task-generic floor (nkru.baselines.registry)
    labels=ENTITY_LABELS,
    rows=mention_rows,
)


class Lexicon:
    """The type a mention's text had most often in training, else the most frequent type."""

    name = "lexicon"
    task = "mention_type"  # a System class for one task: `--system FILE:Lexicon`
    description = "most frequent training type of the mention text"

    def fit(self, rows: Sequence[Row]) -> Lexicon:
        seen: dict[str, Counter] = {}
        for row in rows:
            seen.setdefault(row["mention"], Counter())[row["label"]] += 1
        self.known = {m: c.most_common(1)[0][0] for m, c in seen.items()}
        self.default = Counter(row["label"] for row in rows).most_common(1)[0][0]
        return self

    def predict(self, rows: Sequence[Row]) -> list[Row]:
        assert all(set(row) <= set(INPUTS) for row in rows)  # never the label
        return [{"id": r["id"], "label": self.known.get(r["mention"], self.default)} for r in rows]
