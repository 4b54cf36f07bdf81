"""The card's Limitations name the documents annotated twice before adjudication as the
exports record them (the card once said only the test document was)."""

from __future__ import annotations

import re
from pathlib import Path

from nkru.annotation.exports import read_exports
from nkru.app.dataset.build import CARD, build
from nkru.app.dataset.ground_truth import export_files, load_ground_truth
from nkru.paths import data_dir, exports_dir


def annotated_twice() -> tuple[list[str], list[str]]:
    twice, once = [], []
    for doc_id, task in sorted(read_exports(exports_dir()).items()):
        others = [a for a in task["annotations"] if not a.get("ground_truth")]
        (twice if len(others) >= 2 else once).append(doc_id)
    return twice, once


def limitation(card: str) -> str:
    match = re.search(r"^- Ground truth is one adjudicated annotation per document.*$", card, re.M)
    assert match, "no ground-truth line in the card's Limitations"
    return match.group(0)


def test_the_card_names_the_doubly_annotated_documents(tmp_path: Path) -> None:
    exports = exports_dir()
    build(load_ground_truth(exports), tmp_path / "data", exports=export_files(exports))
    line = limitation((tmp_path / "data" / CARD).read_text(encoding="utf-8"))
    twice, once = annotated_twice()
    assert len(twice) >= 2  # 002 is not the only one (the card once said so)
    assert (
        f"annotated twice before adjudication: {', '.join(twice)}; once: {', '.join(once)}" in line
    )
    assert "only the test document" not in line


def test_the_committed_card_says_the_same() -> None:
    line = limitation((data_dir() / CARD).read_text(encoding="utf-8"))
    twice, _ = annotated_twice()
    assert f"annotated twice before adjudication: {', '.join(twice)};" in line
