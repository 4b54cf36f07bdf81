"""The ``nkru`` command line. Exit codes: 0 ok, 1 failure, 2 bad input."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from nkru.corpus import CorpusError, load_corpus
from nkru.segment import content_sentences, sentences

app = typer.Typer(
    help="NKRU-FR: annotated French news on North Korean troops alongside Russia — "
    "corpus, annotation, dataset, baselines and evaluation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()


@app.callback()
def main() -> None:
    """NKRU-FR: corpus, annotation, dataset, baselines and evaluation."""


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print an error message and return the Exit to raise."""
    Console(stderr=True).print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


@app.command()
def corpus() -> None:
    """Print a table per document: sentences, tokens, characters, boilerplate share, metadata."""
    try:
        docs = load_corpus()
    except CorpusError as err:
        raise fail(str(err)) from None
    table = Table(title="NKRU-FR corpus")
    for column in ("doc", "sentences", "tokens", "chars", "boilerplate", "date", "title"):
        table.add_column(column, justify="right" if column in {"sentences", "tokens"} else "left")
    table.add_column("publisher / authors")
    totals = [0, 0, 0]
    for doc in docs:
        sents = content_sentences(doc)
        n_tokens = sum(len(s.tokens) for s in sents)
        chrome = sum(b.end - b.start for b in doc.boilerplate)
        flagged = len(sentences(doc)) - len(sents)
        totals = [totals[0] + len(sents), totals[1] + n_tokens, totals[2] + len(doc.text)]
        meta = doc.metadata
        who = " / ".join(
            filter(None, [str(meta["publisher"] or "?"), ", ".join(meta["authors"] or []) or "?"])
        )
        table.add_row(
            doc.id,
            f"{len(sents)} (+{flagged} bp)",
            str(n_tokens),
            str(len(doc.text)),
            f"{chrome / len(doc.text):.1%} ({len(doc.boilerplate)} regions)",
            str(meta["date"] or "unknown"),
            str(meta["title"] or "(none in text)"),
            who,
        )
    table.add_section()
    table.add_row("all", str(totals[0]), str(totals[1]), str(totals[2]), "", "", "", "")
    console.print(table)
    console.print(
        "sentences and tokens exclude boilerplate (bp); '?'/'unknown' = not stated in the text "
        "(see data/raw/manifest.json notes)"
    )
