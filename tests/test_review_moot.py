"""`nkru derived` drops a review's moot `keep` decisions and never a `change`."""

from __future__ import annotations

from pathlib import Path

from nkru.annotation.convert import ground_truth_annotation
from nkru.annotation.exports import read_exports
from nkru.app import review as rv
from nkru.corpus import get_document
from nkru.paths import exports_dir


def test_only_one_line_keeps_whose_disagreement_is_gone_are_dropped(tmp_path: Path) -> None:
    doc_id, task = sorted(read_exports(exports_dir()).items())[0]
    doc, truth = get_document(doc_id), ground_truth_annotation(task)
    entity = truth.entities[0]
    held = f"{entity.label}@{entity.start}-{entity.end}"
    path = tmp_path / f"{doc_id}.decisions.yaml"
    lines = [
        "# decided by hand\n",
        f'"baseline-logreg {held} | -": {{decision: keep, why: "right"}}  # a comment\n',
        f'"spacy {held} | -": {{decision: change, why: "wrong"}}\n',
        f'"spacy - | {held}":\n',
        '  {decision: keep, why: "two lines"}\n',
    ]
    path.write_text("".join(lines), encoding="utf-8")
    decisions = rv.read_decisions(path)
    # no comparison: every decision names a disagreement that is gone; the change is not
    # carried out (the annotation still holds the span), so all three are stale
    result = rv.review(doc, truth, "ground truth", [], decisions)
    assert len(result.stale) == 3 and not result.applied
    text, dropped = rv.without_moot_keeps(path, result.stale)
    assert [d.line for d in dropped] == [2]
    assert text == "".join(lines[:1] + lines[2:])
