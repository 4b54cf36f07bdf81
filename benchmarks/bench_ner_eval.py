"""Benchmark: NER scoring of ~1M tokens by the `nkru eval` code path vs seqeval (strict IOB2).

Generates synthetic gold and prediction JSON Lines (with tokens) in a temporary folder,
scores them in separate subprocesses (peak RSS measured per process), interleaving
``--repeat`` runs of each system, asserts identical micro and per-type figures in every run,
and prints the median times and peak RSS and the ratios. ``--old COMMIT`` runs that commit's
``nkru eval`` too (extracted with ``git archive``, imported ahead of the installed package),
side by side. Exits 1 when nkru eval is less than 5× faster than seqeval end to end. Usage:

    python benchmarks/bench_ner_eval.py [--tokens 1000000] [--seed 0] [--repeat 3] [--old COMMIT]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_benchmark import old_code  # the same folder, on the path when run as a script

TARGET = 5.0  # issue 24: nkru eval at least 5x faster than seqeval end to end, bootstrap or not
TYPES = ("PER", "ORG", "GPE", "LOC", "DATE", "QUANTITY")
WORDS = ("le", "soldat", "Koursk", "Pyongyang", "a", "été", "déployé", "selon", "Séoul", "en")


def synthesize(tokens: int, seed: int, gold_path: Path, pred_path: Path) -> None:
    """Sentences of 10–40 tokens; predictions keep, drop, retype or reshape gold entities."""
    rng = random.Random(seed)
    with (
        gold_path.open("w", encoding="utf-8") as gold,
        pred_path.open("w", encoding="utf-8") as pred,
    ):
        made, n = 0, 0
        while made < tokens:
            words = [rng.choice(WORDS) for _ in range(rng.randint(10, 40))]
            made += len(words)
            starts, position = [], 0
            for w in words:
                starts.append(position)
                position += len(w) + 1
            ends = [s + len(w) for s, w in zip(starts, words, strict=True)]
            g_ents, p_ents, i = [], [], 0
            while i < len(words):
                if rng.random() < 0.12:
                    j = min(len(words), i + rng.randint(1, 3))
                    label = rng.choice(TYPES)
                    g_ents.append((i, j, label))
                    roll = rng.random()
                    if roll < 0.7:
                        p_ents.append((i, j, label))
                    elif roll < 0.8:
                        p_ents.append((i, j, rng.choice(TYPES)))
                    elif roll < 0.9 and j - i > 1:
                        p_ents.append((i, j - 1, label))
                    i = j
                else:
                    if rng.random() < 0.01:
                        p_ents.append((i, i + 1, rng.choice(TYPES)))
                    i += 1
            base = {
                "id": f"s{n}",
                "document_id": f"d{n // 20}",
                "text": " ".join(words),
                "tokens": words,
            }
            for handle, ents in ((gold, g_ents), (pred, p_ents)):
                entities = [
                    {"start": starts[a], "end": ends[b - 1], "label": lab} for a, b, lab in ents
                ]
                handle.write(json.dumps({**base, "entities": entities}, ensure_ascii=False) + "\n")
            n += 1


def run_nkru(gold: Path, pred: Path, bootstrap: int) -> dict:
    """Score with the CLI's functions (load_gold + score); times the two phases."""
    from nkru.eval.api import Options, load_gold, score

    start = time.perf_counter()
    gold_set = load_gold("ner", gold)
    loaded = time.perf_counter()
    gold_rss = _max_rss_mb()
    report = score("ner", gold_set, pred, Options(bootstrap=bootstrap)).to_dict()
    done = time.perf_counter()
    return {
        "load_gold_s": loaded - start,
        "score_s": done - loaded,
        "total_s": done - start,
        "gold_rss_mb": gold_rss,
        "micro": report["micro"]["strict"],
        "per_type": {
            t: {k: x for k, x in v["strict"].items() if not k.startswith("ci_")}
            for t, v in report["per_type"].items()
        },
        "ci": [report["headline"]["ci_low"], report["headline"]["ci_high"]],
    }


def bio(entities: list[dict], starts: list[int], n: int) -> list[str]:
    index = {s: i for i, s in enumerate(starts)}
    tags = ["O"] * n
    for e in entities:
        i = index[e["start"]]
        tags[i] = f"B-{e['label']}"
        i += 1
        while i < n and starts[i] < e["end"]:
            tags[i] = f"I-{e['label']}"
            i += 1
    return tags


def run_seqeval(gold: Path, pred: Path) -> dict:
    """Read the same files, convert to IOB2 tags, and score with seqeval strict mode."""
    from seqeval.metrics import classification_report
    from seqeval.scheme import IOB2

    start = time.perf_counter()
    y_true, y_pred = [], []
    with gold.open(encoding="utf-8") as g, pred.open(encoding="utf-8") as p:
        for g_line, p_line in zip(g, p, strict=True):
            g_rec, p_rec = json.loads(g_line), json.loads(p_line)
            starts, position = [], 0
            for w in g_rec["tokens"]:
                starts.append(position)
                position += len(w) + 1
            y_true.append(bio(g_rec["entities"], starts, len(starts)))
            y_pred.append(bio(p_rec["entities"], starts, len(starts)))
    converted = time.perf_counter()
    report = classification_report(
        y_true, y_pred, mode="strict", scheme=IOB2, output_dict=True, zero_division=0
    )
    done = time.perf_counter()
    return {
        "convert_s": converted - start,
        "score_s": done - converted,
        "total_s": done - start,
        "report": report,
    }


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(args: argparse.Namespace) -> None:
    if args.child == "nkru":
        result = run_nkru(args.gold, args.pred, args.bootstrap)
    else:
        result = run_seqeval(args.gold, args.pred)
    result["max_rss_mb"] = _max_rss_mb()
    print(json.dumps(result, default=float))


def spawn(kind: str, gold: Path, pred: Path, bootstrap: int, code: Path | None = None) -> dict:
    """A child's result; ``code``: a commit's sources imported ahead of the installed ones."""
    env = {**os.environ, "PYTHONPATH": str(code)} if code is not None else None
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            kind,
            "--gold",
            str(gold),
            "--pred",
            str(pred),
            "--bootstrap",
            str(bootstrap),
        ],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tokens", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, interleaved")
    parser.add_argument("--child", choices=("nkru", "seqeval"))
    parser.add_argument("--gold", type=Path)
    parser.add_argument("--pred", type=Path)
    parser.add_argument("--old", help="also time this commit's nkru eval, side by side")
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    with tempfile.TemporaryDirectory() as tmp:
        gold, pred = Path(tmp) / "gold.jsonl", Path(tmp) / "pred.jsonl"
        synthesize(args.tokens, args.seed, gold, pred)
        size = (gold.stat().st_size + pred.stat().st_size) / 2**20
        old = old_code(args.old, Path(tmp) / "old") if args.old else None
        runs: dict[str, list[dict]] = {"plain": [], "ours": [], "theirs": []}
        for _ in range(args.repeat):  # interleaved, so machine noise hits all alike
            runs["plain"].append(spawn("nkru", gold, pred, 0))
            runs["ours"].append(spawn("nkru", gold, pred, args.bootstrap))
            runs["theirs"].append(spawn("seqeval", gold, pred, 0))
            if old is not None:
                runs.setdefault("old plain", []).append(spawn("nkru", gold, pred, 0, old))
                runs.setdefault("old ours", []).append(
                    spawn("nkru", gold, pred, args.bootstrap, old)
                )
    plain, ours, theirs = (_median(runs[k]) for k in ("plain", "ours", "theirs"))
    report = theirs["report"]
    micro = ours["micro"]
    for run in runs["plain"] + runs["ours"] + runs.get("old plain", []) + runs.get("old ours", []):
        assert run["micro"] == micro and run["per_type"] == ours["per_type"]
    for key, their_key in (("precision", "precision"), ("recall", "recall"), ("f1", "f1-score")):
        assert abs(micro[key] - report["micro avg"][their_key]) < 1e-12, key
        for label, values in ours["per_type"].items():
            assert abs(values[key] - report[label][their_key]) < 1e-12, (label, key)
    print(
        f"{args.tokens} tokens, {size:.1f} MiB of JSON Lines; identical strict micro and "
        f"per-type P/R/F1 (micro F1 {micro['f1']:.6f}, 95% CI {ours['ci']}); "
        f"medians of {args.repeat} interleaved runs"
    )
    timed = [("nkru eval, no bootstrap", plain), (f"nkru eval, {args.bootstrap} resamples", ours)]
    if args.old:
        olds = (_median(runs["old plain"]), _median(runs["old ours"]))
        timed += [(f"{args.old}: {name}", run) for (name, _), run in zip(timed, olds, strict=True)]
    for name, run in timed:
        print(
            f"{name}: load gold {run['load_gold_s']:.2f} s, read+validate+score predictions "
            f"{run['score_s']:.2f} s, total {run['total_s']:.2f} s, "
            f"peak RSS {run['max_rss_mb']:.0f} MiB ({run['gold_rss_mb']:.0f} MiB once the gold "
            f"was loaded)"
        )
    print(
        f"seqeval: read+convert to IOB2 {theirs['convert_s']:.2f} s, classification_report "
        f"{theirs['score_s']:.2f} s, total {theirs['total_s']:.2f} s, peak RSS "
        f"{theirs['max_rss_mb']:.0f} MiB"
    )
    print(
        f"time ratio seqeval/nkru, scoring step: {theirs['score_s'] / plain['score_s']:.1f}x "
        f"(with bootstrap {theirs['score_s'] / ours['score_s']:.1f}x); end to end: "
        f"{theirs['total_s'] / plain['total_s']:.1f}x "
        f"(with bootstrap {theirs['total_s'] / ours['total_s']:.1f}x)"
    )
    ratios = (theirs["total_s"] / plain["total_s"], theirs["total_s"] / ours["total_s"])
    if min(ratios) < TARGET:
        raise SystemExit(f"target missed: nkru eval less than {TARGET:g}x faster than seqeval")
    if args.old:
        print(
            f"time ratio {args.old}/this, end to end: {olds[0]['total_s'] / plain['total_s']:.2f}x "
            f"(with bootstrap {olds[1]['total_s'] / ours['total_s']:.2f}x)"
        )


def _median(runs: list[dict]) -> dict:
    """The first run with every timing and the peak RSS replaced by its median over runs."""
    out = dict(runs[0])
    for key, value in runs[0].items():
        if key.endswith(("_s", "_mb")):
            assert isinstance(value, float)
            out[key] = statistics.median(run[key] for run in runs)
    return out


if __name__ == "__main__":
    main()
