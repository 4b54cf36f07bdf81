"""Rules that propose boilerplate (site chrome) regions in an article's text, for review.

Each rule is what the five original articles' manifest regions have in common, written as a
pattern: it reproduces exactly their regions and reasons (a test checks this) and carries over to
a new article's text. A proposed region is a ``(start, end)`` range into the verbatim text with
the reason used in ``data/raw/manifest.json`` and the id of the rule that found it. Rules only
propose: ``nkru corpus add`` writes the regions to the manifest and prints them for review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

RULES_VERSION = "1"

_CAPS = r"[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ'’ -]*[A-ZÀ-ÖØ-Þ]"
_SOCIAL = (
    r"(?:Website|Site web|Facebook|Twitter|X|Telegram|Instagram|LinkedIn|YouTube|TikTok|"
    r"Bluesky|Mastodon|Threads|WhatsApp|E-?mail|RSS)"
)
_COMMENT_LINE = (
    r"(?:Pas encore de commentaires?\b.*|Soyez le premier à commenter.*|Ajouter un commentaire|"
    r"Laisser un commentaire|Connectez-vous pour (?:ajouter|laisser|publier) un commentaire.*|"
    r"\d+ commentaires?)"
)


@dataclass(frozen=True)
class Rule:
    """A pattern (compiled MULTILINE) whose every match is a region with ``reason``."""

    id: str
    reason: str
    pattern: re.Pattern[str]


def _rule(rule_id: str, reason: str, pattern: str) -> Rule:
    return Rule(rule_id, reason, re.compile(pattern, re.MULTILINE))


RULES: tuple[Rule, ...] = (
    _rule(
        "scraper-date",
        "scraper metadata field, not article text (evidence for the publication month)",
        r"\A[ \t]*date \d{4}(?:-\d{2}){0,2}(?=[ \t\n]|\Z)",
    ),
    _rule("rubric", "section rubric (site navigation)", rf"^{_CAPS}(?: • {_CAPS})+$"),
    _rule(
        "reading-time",
        "reading-time widget",
        r"(?:• ?)?(?:Temps de lecture|Lecture) ?:? ?\d+ ?min(?:utes?|\.)?",
    ),
    _rule("rule", "horizontal rule", r"^(?:-{3,}|\*{3,}|_{3,})$"),
    _rule(
        "paywall",
        "paywall notice",
        r"^(?:Article réservé aux abonnés|Réservé aux abonnés|Cet article vous est offert)$",
    ),
    _rule(
        "advertisement",
        "advertisement marker",
        r"^(?:LA SUITE APRÈS CETTE PUBLICITÉ|La suite après cette publicité|PUBLICITÉ|"
        r"Publicité)$",
    ),
    _rule(
        "read-also",
        "'Lire aussi' link to another article",
        r"^(?:\*\*)?(?:À l|L|A l)ire aussi ?[|:](?:\*\*)?.*$",
    ),
    _rule(
        "footer-widget",
        "promotional footer widget",
        r"^\*\*[^*\n]+\*\*\n+(?:Découvrir|En savoir plus|S’abonner|S'abonner)$",
    ),
    _rule("image-placeholder", "image placeholder text", r"^(?:Card image cap|Image placeholder)$"),
    _rule("social-links", "author's social-media links", rf"^{_SOCIAL}(?: \| {_SOCIAL})+$"),
    _rule(
        "comments",
        "comments widget",
        rf"^(?:Les commentaires|Commentaires)$(?:\n+^{_COMMENT_LINE}$)+",
    ),
    _rule(
        "tagline",
        "site tagline",
        r"^\S+\s+est un (?:site|média|journal) d[’']information indépendant\.$",
    ),
    _rule("author-box", "author-box widget header", r"^[AÀ] propos de .+ \d+ Articles?$"),
)
TITLE_HEADING = "title repeated as page heading"
TITLE_REPEAT = "page title repeated inside the article by the page layout"


@dataclass(frozen=True)
class Proposal:
    """A proposed boilerplate region ``[start, end)`` of the text."""

    start: int
    end: int
    reason: str
    rule: str
    text: str

    def to_manifest(self) -> dict[str, object]:
        return {
            "start": self.start,
            "end": self.end,
            "reason": self.reason,
            "text": self.text,
            "rule": self.rule,
        }


def _title_repeats(text: str, title: str | None) -> list[Proposal]:
    """Whole lines repeating the title after its first line: the first repeat right after it
    (blank lines between) is the page heading, later ones are the layout's repeats."""
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]
    if not lines:
        return []
    first = text[lines[0][0] : lines[0][1]].strip()
    title = (title or first).strip()
    if not title or first != title:
        return []
    out = []
    for n, (start, end) in enumerate(lines[1:], start=1):
        if text[start:end].strip() == title:
            s = start + (len(text[start:end]) - len(text[start:end].lstrip()))
            reason = TITLE_HEADING if n == 1 else TITLE_REPEAT
            out.append(Proposal(s, s + len(title), reason, "title-repeat", title))
    return out


def propose(text: str, title: str | None = None) -> list[Proposal]:
    """Every region the rules find in ``text``, in text order, overlapping ones merged into
    the first. ``title`` (else the first line) is looked for as a repeated layout title."""
    found = _title_repeats(text, title)
    for rule in RULES:
        for match in rule.pattern.finditer(text):
            if match.end() > match.start():
                found.append(
                    Proposal(match.start(), match.end(), rule.reason, rule.id, match.group(0))
                )
    found.sort(key=lambda p: (p.start, -p.end))
    kept: list[Proposal] = []
    for proposal in found:
        if kept and proposal.start < kept[-1].end:
            continue
        kept.append(proposal)
    return kept
