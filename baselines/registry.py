"""The systems a task declares (``Task.baselines``, ``Task.references``), built by name.

A name resolves to a system of the task's own (a class of :data:`SYSTEMS` whose ``task`` is the
task's name) or, for any task, to one of the task-generic reference systems its kind lists as
floors (:data:`FLOORS`, ``Kind.floors`` in :mod:`nkru.eval.kinds`): a new task of an existing
kind declares e.g. ``references=("majority",)`` and needs nothing here. ``create(task, name,
seed)`` builds an unfitted system; a declared name that resolves to nothing is an
:class:`UnknownSystem`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from types import MappingProxyType

from nkru.errors import NkruError
from nkru.tasks import Task, get_task

from ..eval.kinds import kind_of
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

SYSTEMS: tuple[type[System], ...] = (
    NerTagger,
    NerCrf,
    SpacyNer,
    SpacyFineTuned,
    ClaimDetector,
    ClaimCrf,
    AllClaims,
    AttributionPairs,
    NearestSource,
    StanceClassifier,
    StanceCues,
    CertaintyClassifier,
    CertaintyCues,
    TopicClassifier,
    TopicCues,
    RuleNormalizer,
)
"""The systems built for one task each (their ``task``), seeded: ``cls(seed)``."""
_OWN = MappingProxyType({(cls.task, cls.name): cls for cls in SYSTEMS})
assert len(_OWN) == len(SYSTEMS), "one system per task and name"

FLOORS: dict[str, Callable[[Task, int], System]] = {
    GazetteerTagger.name: lambda task, seed: GazetteerTagger(seed, task),
    MajorityLabel.name: lambda task, seed: MajorityLabel(task, seed),
    MostFrequentValue.name: lambda task, seed: MostFrequentValue(seed, task),
}
"""Task-generic reference systems, by name; a kind lists those that suit its answers."""


class UnknownSystem(NkruError, KeyError):
    """A task names a system that neither it nor its kind has."""

    def __str__(self) -> str:
        return str(self.args[0])


def _factory(task: Task, name: str) -> Factory:
    own = _OWN.get((task.name, name))
    if own is not None:
        return own
    kind = kind_of(task)
    if name in kind.floors:
        return partial(FLOORS[name], task)
    raise UnknownSystem(
        f"task {task.name!r} declares system {name!r}, which nkru.baselines has neither for "
        f"{task.name} nor among the floors of kind {kind.name} "
        f"({', '.join(kind.floors) or 'none'})"
    )


def baselines(task: str | Task) -> dict[str, Factory]:
    """The learned baselines of a task, in declaration order."""
    spec = get_task(task)
    return {name: _factory(spec, name) for name in spec.baselines}


def references(task: str | Task) -> dict[str, Factory]:
    """The reference systems of a task (its floor among them), in declaration order."""
    spec = get_task(task)
    return {name: _factory(spec, name) for name in spec.references}


def systems(task: str | Task) -> dict[str, Factory]:
    """All systems of a task (baselines first, then references)."""
    return {**baselines(task), **references(task)}


def create(task: str | Task, name: str, seed: int = SEED) -> System:
    """A new, unfitted system."""
    available = systems(task)
    if name not in available:
        raise UnknownSystem(
            f"no system {name!r} for {get_task(task).name} (available: {', '.join(available)})"
        )
    return available[name](seed)
