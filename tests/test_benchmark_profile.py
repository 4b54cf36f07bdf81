"""``nkru benchmark --profile``: each fit reports where its worker's time went, and the
profile sums it per stage, task and system."""

from __future__ import annotations

from nkru.app.benchmark.isolation import Fit, Timing, run_fit
from nkru.app.benchmark.profile import Profile
from nkru.eval.gold import read_split
from nkru.paths import data_dir
from nkru.tasks import TASKS, strip_rows


def test_a_fit_reports_its_cpu_time_by_phase() -> None:
    task = TASKS["stance"]
    train, test = (read_split(task, split, data_dir()) for split in ("train", "test"))
    outcome = run_fit(Fit("stance", "tfidf-logreg", None, train, {"test": strip_rows(task, test)}))
    assert outcome.error is None
    timing = outcome.timing
    assert timing.fit > 0 and timing.predict >= 0 and timing.start >= 0
    assert timing.wall >= timing.fit + timing.predict - 0.05  # one thread: CPU within the wall


def test_the_table_sums_the_fits_per_stage_task_and_system() -> None:
    profile = Profile()
    with profile.step("score"):
        pass
    profile.record("fit, predict", "ner", "crf", Timing(0.5, 4.0, 1.0, 6.0))
    profile.record("fit, predict", "ner", "crf", Timing(0.5, 2.0, 1.0, 4.0))
    profile.record("fit, predict", "stance", "majority", Timing(0.5, 0.0, 0.0, 0.1))
    profile.record("learning curves", "ner", "crf", Timing(0.25, 1.0, 0.5, 2.0))
    lines = profile.table().splitlines()
    assert lines[1].split()[0] == "score"
    crf = next(line for line in lines if line.startswith("fit, predict / ner / crf"))
    assert crf.split()[-5:] == ["2", "1.0", "6.0", "2.0", "10.0"]
    stages = [line for line in lines if ": total" in line]
    assert [line.split(":")[0] for line in stages] == ["fit, predict", "learning curves"]
    assert stages[0].split()[-5:] == ["3", "1.5", "6.0", "2.0", "10.1"]
    # slowest first within a stage
    assert lines.index(crf) < next(i for i, line in enumerate(lines) if "majority" in line)
