#!/usr/bin/env python3
"""Grow the corpus by one document, end to end, in a temporary clone; then run the whole suite.

    python3 scripts/check_sixth_document.py [--workdir DIR] [--keep]

In a git clone of HEAD (uncommitted changes are not in it; the shipped repository is never
touched), with the clone's own virtual environment (`pip install -e ".[dev]"`):

1. `nkru corpus add` of ARTICLE (below, invented for this check), with its metadata; the
   proposed boilerplate regions are reviewed (there must be none: the text has no site chrome)
   and the manifest's ``boilerplate_review`` note dropped, as README "Adding articles" step 1 says;
2. a real Label Studio (`nkru.annotation.studio.start_server`, as tests/conftest.py starts it)
   and the real ML backend (`nkru studio backend`); `nkru studio push --ml-backend` connects it;
   Label Studio's "Retrieve predictions" action gets the backend's predictions and its
   "Create annotations from predictions" action turns them into an annotation: the draft,
   which the annotator corrects (CORRECTIONS: the guidelines' value of a mention the
   normaliser has no rule for) and an adjudicator marks ground truth;
   `nkru studio pull` writes annotation/exports/<doc>.json;
3. the documented steps: `nkru validate`, `nkru build`, `nkru benchmark`, `nkru derived`
   (then `--check`), and a commit of the result in the clone, as a maintainer would;
4. what `scripts/test.sh` checks after its set-up: ruff, ruff format, mypy, the whole pytest
   suite in parallel.

Every step runs even if an earlier one failed (as long as its input exists); the summary lists
each step's result and time, every log is kept under the work directory, and the exit code is 1
if any step failed. The clone is deleted after a clean run unless --keep.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TITLE = "NKRU-FR sixth document"
# Invented for this check (no such article was published): a short text in the style of the
# corpus, on its topic, with entities, dates, quantities, claims and attributed sources.
ARTICLE = """\
Des soldats nord-coréens déployés près de Koursk, selon Kyiv

Kyiv, le 6 novembre 2024. Le ministre ukrainien de la Défense, Roustem Oumerov, a affirmé \
mercredi que près de 11 000 soldats nord-coréens se trouvaient désormais dans la région russe \
de Koursk. « Les premiers accrochages avec des unités nord-coréennes ont eu lieu », a-t-il \
déclaré lors d'un entretien avec la chaîne sud-coréenne KBS.

Le Pentagone a confirmé la présence de ces troupes sans en préciser le nombre. Selon un porte-\
parole du département d'État américain, Pyongyang pourrait envoyer plusieurs milliers de \
soldats supplémentaires d'ici la fin de l'année.

Moscou dément toute participation nord-coréenne aux combats. Le porte-parole du Kremlin, \
Dmitri Peskov, a qualifié ces informations de « rumeurs ». Les services de renseignement sud-\
coréens estiment de leur côté que la Corée du Nord a déjà livré plus de 8 millions d'obus à \
la Russie depuis août 2023.
"""
# What the annotator corrects in the backend's draft: values of mentions no normalisation rule
# covers, as annotation/GUIDELINES.md gives them ("plusieurs milliers" -> `>=2000`).
CORRECTIONS = {"plusieurs milliers": ">=2000"}
METADATA = [
    "--url",
    "https://example.invalid/nkru-fr/sixth-document",
    "--title",
    "Des soldats nord-coréens déployés près de Koursk, selon Kyiv",
    "--publisher",
    "NKRU-FR (invented text for scripts/check_sixth_document.py)",
    "--date",
    "2024-11-06",
]


class Steps:
    """Runs the steps, logs each to its own file, remembers which failed."""

    def __init__(self, clone: Path, logs: Path) -> None:
        self.clone, self.logs = clone, logs
        self.results: list[tuple[str, bool, float]] = []
        logs.mkdir(parents=True, exist_ok=True)

    def run(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> bool:
        log = self.logs / f"{len(self.results) + 1:02d}-{name.replace(' ', '-')}.log"
        print(f"[{time.strftime('%H:%M:%S')}] {name}: {' '.join(argv)}", flush=True)
        start = time.monotonic()
        with log.open("w", encoding="utf-8") as out:
            done = subprocess.run(
                argv,
                cwd=self.clone,
                env={**os.environ, "NKRU_ROOT": str(self.clone), "COLUMNS": "200", **(env or {})},
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        seconds = time.monotonic() - start
        ok = done.returncode == 0
        self.results.append((name, ok, seconds))
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
        print(f"  {'ok' if ok else f'FAILED (exit {done.returncode})'} in {seconds:.0f}s; {log}")
        print("\n".join(f"  | {line}" for line in tail), flush=True)
        return ok

    def skip(self, name: str, why: str) -> None:
        print(f"  {name}: skipped ({why})", flush=True)
        self.results.append((f"{name} (skipped: {why})", False, 0.0))


def drop_review_note(clone: Path) -> str:
    """Review the new entry's proposed boilerplate (none expected) and drop its note; the
    manifest is rewritten as `nkru corpus add` writes it. Returns the new document id."""
    path = clone / "data" / "raw" / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    entry = manifest["documents"][-1]
    if entry["boilerplate"]:
        raise SystemExit(f"boilerplate proposed in an article without any: {entry['boilerplate']}")
    del entry["boilerplate_review"]
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return entry["id"]


def corrected(result: list[dict]) -> list[dict]:
    """The annotator's correction of the draft: the value CORRECTIONS gives for each entity the
    backend left without one (it proposes none where no normalisation rule applies)."""
    from nkru.annotation import labeling_config as lc
    from nkru.annotation import results

    valued = {i["id"] for i in result if i.get("from_name") == lc.VALUE}
    added = [
        results.attribute(i["id"], lc.VALUE, "textarea", v["start"], v["end"], {"text": [value]})
        for i in result
        if i.get("from_name") == lc.ENTITIES and i["id"] not in valued
        for v in [i["value"]]
        if (value := CORRECTIONS.get(v["text"]))
    ]
    return [*result, *added]


def annotate(clone: Path, doc_id: str, data_dir: Path) -> None:
    """Step 2, run with the clone's interpreter: Label Studio, backend, push, predictions,
    annotation from them, pull."""
    from nkru.annotation import client, studio

    nkru = str(Path(sys.executable).with_name("nkru"))
    env = {**os.environ, "NKRU_ROOT": str(clone), "COLUMNS": "200"}

    def run(*args: str, token: str) -> None:
        print("$ nkru " + " ".join(args), flush=True)
        subprocess.run([nkru, *args], cwd=clone, env={**env, studio.TOKEN_ENV: token}, check=True)

    os.environ.pop(studio.TOKEN_ENV, None)  # a fresh, generated token for this server
    env.pop(studio.TOKEN_ENV, None)
    server = studio.start_server(data_dir, timeout=900)
    backend = None
    try:
        print(f"Label Studio at {server.url} (started in {server.startup_seconds:.0f}s)")
        backend = studio.start_backend(clone, data_dir.parent / "backend.log", timeout=1200)
        url = backend.url
        print(f"ML backend at {url}", flush=True)
        run(
            "studio",
            "push",
            "--url",
            server.url,
            "--title",
            TITLE,
            "--document",
            doc_id,
            "--ml-backend",
            url,
            token=server.token,
        )
        ls = client.connect(server.url, server.token)
        project = client.find_project(ls, TITLE)
        task = client.project_tasks(ls, project.id)[doc_id]
        chosen = {"all": False, "included": [task.id]}
        ls.actions.create(
            id="retrieve_tasks_predictions", project=project.id, selected_items=chosen
        )
        (prediction,) = ls.predictions.list(task=task.id)
        print(f"prediction {prediction.model_version}: {len(prediction.result)} result items")
        ls.actions.create(
            id="predictions_to_annotations", project=project.id, selected_items=chosen
        )
        (annotation,) = ls.annotations.list(id=task.id)
        if len(annotation.result) != len(prediction.result):
            raise SystemExit("the annotation created from the prediction lacks some of its items")
        result = corrected(annotation.result)
        ls.annotations.update(id=annotation.id, result=result, ground_truth=True)
        print(
            f"annotation {annotation.id}: the prediction's {len(annotation.result)} items and "
            f"{len(result) - len(annotation.result)} value(s) the annotator added, ground truth"
        )
        run(
            "studio",
            "pull",
            "--url",
            server.url,
            "--title",
            TITLE,
            "--exports-dir",
            "annotation/exports",
            token=server.token,
        )
    finally:
        if backend is not None:
            backend.stop()
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, help="Where to clone (default: a new temp dir).")
    parser.add_argument("--keep", action="store_true", help="Keep the clone after a clean run.")
    parser.add_argument(
        "--annotate", nargs=3, metavar=("CLONE", "DOC", "DATA_DIR"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.annotate:
        clone, doc_id, data_dir = args.annotate
        annotate(Path(clone), doc_id, Path(data_dir))
        return 0

    work = Path(args.workdir or tempfile.mkdtemp(prefix="nkru-sixth-")).resolve()
    clone = work / "repo"
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()
    print(f"clone of {REPO} at {head[:12]} in {clone}", flush=True)
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(REPO), str(clone)], check=True)
    steps = Steps(clone, work / "logs")
    python, nkru = str(clone / ".venv/bin/python"), str(clone / ".venv/bin/nkru")
    article = work / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")

    installed = (
        steps.run("venv", [sys.executable, "-m", "venv", ".venv"])
        and steps.run("pip", [python, "-m", "pip", "install", "-q", "--upgrade", "pip"])
        and steps.run(
            "install",
            [python, "-m", "pip", "install", "-q", "-c", "constraints.txt", "-e", ".[dev]"],
        )
    )
    if not installed:
        steps.skip("everything else", "no environment")
    elif steps.run("corpus add", [nkru, "corpus", "add", str(article), *METADATA]):
        doc_id = drop_review_note(clone)
        annotated = steps.run(
            "label studio",
            [
                python,
                str(clone / "scripts" / Path(__file__).name),
                "--annotate",
                str(clone),
                doc_id,
                str(work / "label-studio"),
            ],
        )
        if annotated:
            steps.run("validate", [nkru, "validate"])
            if steps.run("build", [nkru, "build"]):
                steps.run("benchmark", [nkru, "benchmark"])
            steps.run("derived", [nkru, "derived"])
            steps.run("derived --check", [nkru, "derived", "--check"])
        else:
            steps.skip("validate, build, benchmark, derived", "no export of the new document")
        git = ["git", "-c", "user.name=check", "-c", "user.email=check@nkru.invalid"]
        steps.run("git add", ["git", "add", "-A"])
        steps.run("commit", [*git, "commit", "-q", "-m", "Sixth document (check_sixth_document)"])
        # scripts/test.sh's checks, without its apt-get step (this script installs nothing
        # on the machine): lint, format, types, the whole suite in parallel
        for name, argv in (
            ("ruff check", [".venv/bin/ruff", "check", "."]),
            ("ruff format", [".venv/bin/ruff", "format", "--check", "."]),
            ("mypy", [python, "scripts/typecheck.py"]),
            ("whole suite", [python, "-m", "pytest", "-n", "auto", "--dist", "loadfile"]),
        ):
            steps.run(name, argv)

    print("\nsummary:")
    for name, ok, seconds in steps.results:
        print(f"  {'ok    ' if ok else 'FAILED'} {name} ({seconds:.0f}s)")
    failed = not all(ok for _, ok, _ in steps.results)
    if failed or args.keep:
        print(f"clone kept: {clone} (logs in {work / 'logs'})")
    else:
        shutil.rmtree(clone)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
