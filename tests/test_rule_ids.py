"""The annotator's manual and its decision log: every rule id that the baselines and the reviews
cite resolves to a rule of annotation/GUIDELINES.md or an entry of annotation/DECISIONS.md; each
entry names the rule it refines; the manual stays short enough to learn from."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nkru.paths import project_root

ROOT = project_root()
MANUAL = ROOT / "annotation" / "GUIDELINES.md"
LOG = ROOT / "annotation" / "DECISIONS.md"
CITED = re.compile(r"\b([BEVCS]\d{1,2}|D\d{1,3})\b")
RULE = re.compile(r"^\*\*([BEVCS]\d{1,2}) ", re.MULTILINE)
ENTRY = re.compile(r"^- \*\*(D\d{1,3}) (.*)$", re.MULTILINE)
REFINES = re.compile(r"→ refines (.+)\.$")
MAX_CHARS = 30_000


def rules() -> set[str]:
    return set(RULE.findall(MANUAL.read_text(encoding="utf-8")))


def entries() -> dict[str, str]:
    return dict(ENTRY.findall(LOG.read_text(encoding="utf-8")))


def citing_files() -> list[Path]:
    folders = [ROOT / "baselines", ROOT / "annotation" / "review"]
    return sorted(
        p
        for folder in folders
        for p in folder.rglob("*")
        if p.suffix in {".py", ".md", ".yaml"} and "__pycache__" not in p.parts
    )


def test_rule_ids_are_unique() -> None:
    text = MANUAL.read_text(encoding="utf-8")
    ids = RULE.findall(text)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    logged = ENTRY.findall(LOG.read_text(encoding="utf-8"))
    assert len(logged) == len({d for d, _ in logged})


@pytest.mark.parametrize("path", citing_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_cited_rule_id_resolves(path: Path) -> None:
    known = rules() | set(entries())
    cited = set(CITED.findall(path.read_text(encoding="utf-8")))
    assert cited <= known, f"{path.name} cites {sorted(cited - known)}, defined nowhere"


def test_the_citations_are_found() -> None:
    """The scan sees the ids the baselines and reviews are known to cite (it can fail)."""
    cited = {i for p in citing_files() for i in CITED.findall(p.read_text(encoding="utf-8"))}
    assert {"C11", "S2", "D46", "E2", "D44"} <= cited


def test_every_log_entry_names_a_rule_it_refines() -> None:
    known = rules()
    for entry_id, body in entries().items():
        match = REFINES.search(body)
        assert match, f"{entry_id} names no rule it refines"
        targets = re.findall(r"\*\*([^*]+)\*\*", match.group(1))
        assert targets, f"{entry_id}: {match.group(1)}"
        for target in targets:
            rule_ids = re.findall(r"\b[BEVCS]\d{1,2}\b", target)
            assert rule_ids or target.startswith("§"), f"{entry_id} refines {target!r}"
            assert set(rule_ids) <= known, f"{entry_id} refines {target!r}, not a rule"


def test_the_manual_is_at_most_30000_characters() -> None:
    assert len(MANUAL.read_text(encoding="utf-8")) <= MAX_CHARS
