"""NKRU-FR baselines: scikit-learn systems and reference systems for every benchmark task.

Protocol (:mod:`.protocol`): ``System.fit(train_rows) -> self`` and
``System.predict(rows) -> list[dict]`` (prediction objects in the task's JSON Lines format).
Systems by task and name (:mod:`.registry`): ``create(task, name, seed)``. Protocols
(:mod:`.runner`): ``run``, ``fixed_split``, ``leave_one_document_out``. Command line:
``python -m nkru.baselines --help``.

Modules: ner, claims, attribution, classify (stance/certainty/topic), normalize, reference,
models (shared sklearn pipelines), nlp (spaCy analyses), io, protocol, registry, runner, cli.
"""

from nkru.baselines.protocol import SEED, System
from nkru.baselines.registry import BASELINES, REFERENCES, create, systems
from nkru.baselines.runner import fixed_split, leave_one_document_out, run

__all__ = [
    "BASELINES",
    "REFERENCES",
    "SEED",
    "System",
    "create",
    "fixed_split",
    "leave_one_document_out",
    "run",
    "systems",
]
