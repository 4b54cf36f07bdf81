"""The README's per-document annotation counts are those of the committed ground truth."""

from __future__ import annotations

import re

from nkru.annotation.convert import task_annotations
from nkru.annotation.exports import read_exports
from nkru.paths import exports_dir, project_root

ROW = re.compile(r"^\| (\d{3}|all) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|", re.MULTILINE)


def test_readme_counts_match_the_ground_truth() -> None:
    readme = (project_root() / "README.md").read_text(encoding="utf-8")
    table = {doc: tuple(map(int, counts)) for doc, *counts in ROW.findall(readme)}
    expected: dict[str, tuple[int, ...]] = {}
    for doc_id, task in read_exports(exports_dir()).items():
        (truth,) = [a for a in task_annotations(task) if a.ground_truth]
        expected[doc_id] = (
            len(truth.entities),
            len(truth.claims),
            len(truth.sources),
            len(truth.stances),
        )
    expected["all"] = tuple(map(sum, zip(*expected.values(), strict=True)))
    assert table == expected
