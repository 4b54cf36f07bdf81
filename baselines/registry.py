"""Every baseline and reference system, by task and name.

``create(task, name, seed)`` builds an unfitted system. ``BASELINES[task]`` lists the learned
baselines and ``REFERENCES[task]`` the reference systems of the NKRU-FR tasks (see
:mod:`nkru.baselines.reference`); a task declared elsewhere (a new task, the toy task of the
tests) gets the reference systems of its kind (:data:`KIND_REFERENCES`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from nkru.tasks import CLASSIFICATION, LABELLED_SPANS, TASKS, VALUE, Task, get_task

from .attribution import AttributionPairs
from .claim_crf import ClaimCrf
from .claims import ClaimDetector
from .classify import CertaintyClassifier, StanceClassifier, TopicClassifier
from .cues import CertaintyCues, StanceCues, TopicCues
from .finetune import SpacyFineTuned
from .ner import NerCrf, NerTagger
from .normalize import RuleNormalizer
from .protocol import SEED, System
from .reference import (
    AllClaims,
    GazetteerTagger,
    MajorityLabel,
    MostFrequentValue,
    NearestSource,
    SpacyNer,
)

Factory = Callable[[int], System]

BASELINES: dict[str, dict[str, Factory]] = {
    "ner": {NerTagger.name: NerTagger, NerCrf.name: NerCrf},
    "claims": {ClaimDetector.name: ClaimDetector, ClaimCrf.name: ClaimCrf},
    "attribution": {AttributionPairs.name: AttributionPairs},
    "stance": {StanceClassifier.name: StanceClassifier, StanceCues.name: StanceCues},
    "certainty": {CertaintyClassifier.name: CertaintyClassifier, CertaintyCues.name: CertaintyCues},
    "topic": {TopicClassifier.name: TopicClassifier, TopicCues.name: TopicCues},
    "normalization": {RuleNormalizer.name: RuleNormalizer},
}
REFERENCES: dict[str, dict[str, Factory]] = {
    "ner": {
        GazetteerTagger.name: GazetteerTagger,
        SpacyNer.name: SpacyNer,
        SpacyFineTuned.name: SpacyFineTuned,
    },
    "claims": {AllClaims.name: AllClaims},
    "attribution": {NearestSource.name: NearestSource},
    "stance": {MajorityLabel.name: partial(MajorityLabel, TASKS["stance"])},
    "certainty": {MajorityLabel.name: partial(MajorityLabel, TASKS["certainty"])},
    "topic": {MajorityLabel.name: partial(MajorityLabel, TASKS["topic"])},
    "normalization": {MostFrequentValue.name: MostFrequentValue},
}
assert set(BASELINES) == set(REFERENCES) == set(TASKS), "every task needs systems"
KIND_REFERENCES: dict[str, dict[str, Callable[[Task, int], System]]] = {
    LABELLED_SPANS: {GazetteerTagger.name: lambda task, seed: GazetteerTagger(seed, task)},
    CLASSIFICATION: {MajorityLabel.name: MajorityLabel},
    VALUE: {MostFrequentValue.name: lambda task, seed: MostFrequentValue(seed, task)},
}
"""The reference systems of a kind of task, for tasks without systems of their own."""


def baselines(task: str | Task) -> dict[str, Factory]:
    """The learned baselines of a task."""
    return dict(BASELINES.get(get_task(task).name, {}))


def references(task: str | Task) -> dict[str, Factory]:
    """The reference systems of a task (its floor among them)."""
    spec = get_task(task)
    if spec.name in REFERENCES:
        return dict(REFERENCES[spec.name])
    return {name: partial(make, spec) for name, make in KIND_REFERENCES.get(spec.kind, {}).items()}


def systems(task: str | Task) -> dict[str, Factory]:
    """All systems of a task (baselines first, then references)."""
    return {**baselines(task), **references(task)}


def create(task: str | Task, name: str, seed: int = SEED) -> System:
    """A new, unfitted system."""
    available = systems(task)
    if name not in available:
        raise KeyError(
            f"no system {name!r} for {get_task(task).name} (available: {', '.join(available)})"
        )
    return available[name](seed)
