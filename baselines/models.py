"""The scikit-learn pipelines shared by the baselines (all seeded)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sklearn.base import BaseEstimator
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from threadpoolctl import threadpool_limits


def logistic(seed: int, balanced: bool = False, c: float = 1.0) -> LogisticRegression:
    """L2 logistic regression (lbfgs: deterministic; ``random_state`` set anyway)."""
    return LogisticRegression(
        C=c, max_iter=2000, random_state=seed, class_weight="balanced" if balanced else None
    )


def text_classifier(seed: int, balanced: bool = True) -> Pipeline:
    """FeatureUnion(TF-IDF word 1-2-grams, TF-IDF char_wb 2-5-grams) + LogisticRegression."""
    features = FeatureUnion(
        [
            (
                "word",
                TfidfVectorizer(
                    analyzer="word",
                    ngram_range=(1, 2),
                    lowercase=True,
                    sublinear_tf=True,
                    token_pattern=r"(?u)\b\w+\b|[«»?!]",
                ),
            ),
            (
                "char",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), lowercase=True, sublinear_tf=True
                ),
            ),
        ]
    )
    return Pipeline([("features", features), ("classifier", logistic(seed, balanced))])


def word_classifier(seed: int, balanced: bool = True) -> Pipeline:
    """TF-IDF word 1-2-grams + LogisticRegression (the sentence-level claim detector)."""
    return Pipeline(
        [
            (
                "tfidf",
                TfidfVectorizer(
                    analyzer="word", ngram_range=(1, 2), lowercase=True, sublinear_tf=True, min_df=1
                ),
            ),
            ("classifier", logistic(seed, balanced)),
        ]
    )


def feature_classifier(seed: int, balanced: bool = False, c: float = 1.0) -> Pipeline:
    """DictVectorizer over hand-made feature dicts + LogisticRegression."""
    return Pipeline(
        [
            ("features", DictVectorizer(sparse=True, sort=True)),
            ("classifier", logistic(seed, balanced, c)),
        ]
    )


def fit_or_constant(
    make: Callable[[], BaseEstimator], inputs: Sequence[Any], labels: Sequence[Any]
) -> BaseEstimator:
    """Fit ``make()``; with fewer than two classes in ``labels`` fit a constant predictor instead.

    LogisticRegression needs two classes; a training split with a single label (possible with
    few annotated documents) gets a ``DummyClassifier(strategy="most_frequent")``.
    The fit runs with one BLAS/OpenMP thread: on these small problems threads only add
    overhead (6x slower on a busy 2-core machine), and one thread keeps results bitwise stable.
    """
    if not labels:
        raise ValueError("no training examples")
    if len(set(labels)) < 2:
        model = DummyClassifier(strategy="most_frequent")
        model.fit([[0]] * len(labels), list(labels))
        return _Constant(model)
    model = make()
    with threadpool_limits(limits=1):
        model.fit(list(inputs), list(labels))
    return model


class _Constant(BaseEstimator):
    """A fitted DummyClassifier that accepts any inputs (texts, dicts)."""

    def __init__(self, model: DummyClassifier) -> None:
        self.model = model

    @property
    def classes_(self) -> Any:
        return self.model.classes_

    def predict(self, inputs: Sequence[Any]) -> Any:
        return self.model.predict([[0]] * len(inputs))

    def predict_proba(self, inputs: Sequence[Any]) -> Any:
        return self.model.predict_proba([[0]] * len(inputs))
