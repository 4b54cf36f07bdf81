"""NKRU-FR baselines: scikit-learn systems and reference systems for every benchmark task.

Protocol (:mod:`.protocol`, CONTRIBUTING.md): ``System.fit(train_rows) -> self`` on whole
rows and ``System.predict(rows) -> list[dict]`` on rows stripped to the task's inputs
(prediction objects in the task's JSON Lines format). Systems by task and name
(:mod:`.registry`): ``create(task, name, seed)``. They are run by the benchmark pipeline
(``nkru benchmark``, :mod:`nkru.app.benchmark.pipeline`).

Modules: ner (+ crf, bio, tokens), claims, attribution, classify (stance/certainty/topic),
normalize, reference, models (shared sklearn pipelines), selection (inner model selection),
nlp (spaCy analyses), io, protocol, registry.
"""
