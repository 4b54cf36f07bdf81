"""``data/croissant.json``: the dataset described in Croissant 1.1 (MLCommons), written by the
build next to the card.

One ``FileSet`` per config (its Parquet files, read from the folder the JSON-LD lies in), one
``RecordSet`` per config with every column as a field (list columns as arrays, lists of
objects with one sub-field per key, split from the file name) and one ``RecordSet`` per config
listing its splits. Derived from the task declarations (:mod:`nkru.tasks`) and the built
splits; no timestamps, so the file is
byte-reproducible.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from datasets import ClassLabel, List, Value

from nkru.schema import SCHEMA_VERSION
from nkru.splits import SPLITS
from nkru.tasks import DOCUMENTS, TASKS, Task

from .card import DOCUMENTS_UNIT, LICENSE_DETAILS, LICENSE_NAME
from .features import DOCUMENT_FEATURES, task_features

CROISSANT = "croissant.json"
CONFORMS_TO = "http://mlcommons.org/croissant/1.1"
CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "sc": "https://schema.org/",
    "cr": "http://mlcommons.org/croissant/",
    "dct": "http://purl.org/dc/terms/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isArray": "cr:isArray",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}
DESCRIPTION = (
    "Five French news articles (October 2024 - April 2025) on North Korean troops fighting "
    "alongside Russia, annotated with named entities (with normalised values for dates and "
    "quantities), check-worthy claims (certainty, topic), their sources and the sources' "
    "stance. One record set per config: the documents and one per benchmark task, each split "
    "by document. Offsets are Python str indices (Unicode code points) into the row's text, "
    "end-exclusive. The article texts belong to their publishers and are not relicensed."
)
CITATION = (
    "@misc{nkru_fr, title = {{NKRU-FR}: French news on North Korean troops alongside Russia, "
    "annotated with entities, claims, sources and stance}, author = {{NKRU-FR contributors}}, "
    f"note = {{Dataset, annotation scheme version {SCHEMA_VERSION}}}}}"
)
COLUMNS = {
    "id": "Row id (sentence ids read <document>-s<number>).",
    "document_id": "Id of the article the row comes from.",
    "text": "The text the row's offsets point into.",
    "doc_start": "Offset of the sentence in the document text.",
    "doc_end": "End offset of the sentence in the document text (exclusive).",
    "tokens": "spaCy French tokens of the sentence.",
    "token_starts": "Offset of each token in the text.",
    "token_ends": "End offset of each token in the text (exclusive).",
    "context_start": "Offset of the row's text in the document text.",
}


def _data_type(feature: Any) -> str:
    if isinstance(feature, ClassLabel):
        return "cr:Int64"
    if isinstance(feature, Value):
        return {"string": "sc:Text", "bool": "sc:Boolean"}.get(feature.dtype, "cr:Int32")
    raise TypeError(f"no Croissant data type for {feature!r}")


def _describe(name: str, feature: Any) -> str:
    labels = feature.feature if isinstance(feature, List) else feature
    text = COLUMNS.get(name, f"Column `{name}`.")
    if isinstance(labels, ClassLabel):
        names = ", ".join(f"{i}={label}" for i, label in enumerate(labels.names))
        text += f" ClassLabel integers: {names}."
    return text


def _field(config: str, name: str, feature: Any) -> dict[str, Any]:
    """One column as a field: a list is an array; a list of objects has one sub-field per key,
    read from the column by a JSON path."""
    source = {"fileSet": {"@id": f"{config}-parquet"}, "extract": {"column": name}}
    field: dict[str, Any] = {
        "@type": "cr:Field",
        "@id": f"{config}/{name}",
        "name": f"{config}/{name}",
        "description": _describe(name, feature),
    }
    inner = feature.feature if isinstance(feature, List) else None
    if inner is None:
        return {**field, "dataType": _data_type(feature), "source": source}
    field["isArray"] = True
    if not isinstance(inner, dict):
        return {**field, "dataType": _data_type(inner), "source": source}
    field["subField"] = [
        {
            "@type": "cr:Field",
            "@id": f"{config}/{name}/{key}",
            "name": f"{config}/{name}/{key}",
            "description": f"`{key}` of each item of `{name}`.",
            "dataType": _data_type(value),
            "source": {**source, "transform": {"jsonPath": key}},
        }
        for key, value in inner.items()
    ]
    return field


def _record_sets(config: str, task: Task | None, splits: list[str]) -> list[dict[str, Any]]:
    """The record set of a config (``task`` None: the documents) and the one listing its
    splits."""
    unit = DOCUMENTS_UNIT if task is None else task.unit
    features = DOCUMENT_FEATURES if task is None else task_features(task)
    about = unit[0].upper() + unit[1:] + "."
    if task is not None:
        about += f" Task: {task.description}; headline metric {task.headline}."
    names = "|".join(splits)
    split = {
        "@type": "cr:Field",
        "@id": f"{config}/split",
        "name": f"{config}/split",
        "description": "Split of the row (documents are assigned to splits whole).",
        "dataType": "sc:Text",
        "source": {
            "fileSet": {"@id": f"{config}-parquet"},
            "extract": {"fileProperty": "fullpath"},
            # matches the file path, and the split name it gives (read again by the join)
            "transform": {"regex": f"^(?:{config}/)?({names})(?:\\.parquet)?$"},
        },
        "references": {"field": {"@id": f"{config}_splits/split_name"}},
    }
    fields = [_field(config, name, feature) for name, feature in features.items()]
    if "split" in features:  # a column already names the split (documents)
        (column,) = [f for f in fields if f["@id"] == split["@id"]]
        column["references"] = split["references"]
    else:
        fields.insert(0, split)
    return [
        {
            "@type": "cr:RecordSet",
            "@id": f"{config}_splits",
            "name": f"{config}_splits",
            "description": f"The splits of the {config} config.",
            "dataType": "cr:Split",
            "key": {"@id": f"{config}_splits/split_name"},
            "field": [
                {
                    "@type": "cr:Field",
                    "@id": f"{config}_splits/split_name",
                    "name": f"{config}_splits/split_name",
                    "description": "The name of the split.",
                    "dataType": "sc:Text",
                }
            ],
            "data": [{f"{config}_splits/split_name": s} for s in splits],
        },
        {
            "@type": "cr:RecordSet",
            "@id": config,
            "name": config,
            "description": about,
            "key": {"@id": f"{config}/id"},
            "field": fields,
        },
    ]


def croissant(
    splits: dict[str, list[str]],
    tasks: Iterable[Task] = TASKS.values(),
    version: str = SCHEMA_VERSION,
) -> dict[str, Any]:
    """The Croissant JSON-LD of a built folder with these splits per config, for these tasks
    (version: the annotation scheme's)."""
    configs: dict[str, Task | None] = {DOCUMENTS: None, **{t.name: t for t in tasks}}
    distribution = [
        {
            "@type": "cr:FileSet",
            "@id": f"{config}-parquet",
            "name": f"{config}-parquet",
            "description": f"The Parquet files of the {config} config, one per split.",
            "encodingFormat": "application/x-parquet",
            "includes": f"{config}/*.parquet",
        }
        for config in configs
    ]
    ordered = {c: [s for s in SPLITS if s in splits[c]] for c in configs}
    return {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": CONFORMS_TO,
        "name": "NKRU-FR",
        "description": DESCRIPTION,
        "version": version,
        "inLanguage": "fr",
        "keywords": ["French", "news", "named entities", "claims", "stance", "fact-checking"],
        "license": {
            "@type": "sc:CreativeWork",
            "name": LICENSE_NAME,
            "description": LICENSE_DETAILS,
        },
        "citeAs": CITATION,
        "distribution": distribution,
        "recordSet": [
            rs
            for config, task in configs.items()
            for rs in _record_sets(config, task, ordered[config])
        ],
    }


def croissant_bytes(
    splits: dict[str, list[str]],
    tasks: Iterable[Task] = TASKS.values(),
    version: str = SCHEMA_VERSION,
) -> bytes:
    """``croissant`` as the file's bytes (indented, keys in a fixed order, UTF-8)."""
    text = json.dumps(croissant(splits, tasks, version), indent=2, ensure_ascii=False)
    return (text + "\n").encode("utf-8")
