"""Every baseline and reference system, by task and name.

``create(task, name, seed)`` builds an unfitted system. ``BASELINES[task]`` lists the learned
baselines and ``REFERENCES[task]`` the reference systems (see :mod:`nkru.baselines.reference`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from nkru.schema import TASKS

from .attribution import AttributionPairs
from .claim_crf import ClaimCrf
from .claims import ClaimDetector
from .classify import CertaintyClassifier, StanceClassifier, TopicClassifier
from .cues import CertaintyCues, StanceCues, TopicCues
from .ner import NerCrf, NerTagger
from .normalize import RuleNormalizer
from .protocol import SEED, System
from .reference import (
    AllClaims,
    MajorityLabel,
    MostFrequentValue,
    NearestSource,
    NoEntities,
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
    "ner": {NoEntities.name: NoEntities, SpacyNer.name: SpacyNer},
    "claims": {AllClaims.name: AllClaims},
    "attribution": {NearestSource.name: NearestSource},
    "stance": {MajorityLabel.name: partial(MajorityLabel, "stance")},
    "certainty": {MajorityLabel.name: partial(MajorityLabel, "certainty")},
    "topic": {MajorityLabel.name: partial(MajorityLabel, "topic")},
    "normalization": {MostFrequentValue.name: MostFrequentValue},
}
assert set(BASELINES) == set(REFERENCES) == set(TASKS), "every task needs systems"


def systems(task: str) -> dict[str, Factory]:
    """All systems of a task (baselines first, then references)."""
    if task not in TASKS:
        raise KeyError(f"unknown task {task!r} (expected one of {', '.join(TASKS)})")
    return {**BASELINES[task], **REFERENCES[task]}


def create(task: str, name: str, seed: int = SEED) -> System:
    """A new, unfitted system."""
    available = systems(task)
    if name not in available:
        raise KeyError(f"no system {name!r} for {task} (available: {', '.join(available)})")
    return available[name](seed)


def is_reference(task: str, name: str) -> bool:
    return name in REFERENCES[task]
