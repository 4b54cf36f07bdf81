"""``nkru build`` writes ``croissant.json``: valid for mlcroissant, every config, field and split
described, and the records mlcroissant reads are the rows ``datasets`` loads (offline)."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import datasets
import mlcroissant
import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from nkru.app.dataset.cli import build_command
from nkru.app.dataset.croissant import CROISSANT
from nkru.app.dataset.features import CONFIGS, FEATURES
from nkru.paths import exports_dir
from nkru.splits import SPLITS

# The one warning left: the dataset has no publication date yet.
pytestmark = pytest.mark.slow  # the dataset built by the command, read by mlcroissant

EXPECTED_WARNINGS = {
    '[Metadata(NKRU-FR)] Property "https://schema.org/datePublished" is recommended, but does '
    "not exist."
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dataset built by the command from the committed exports."""
    out = tmp_path_factory.mktemp("built") / "data"
    app = typer.Typer()
    app.command()(build_command)
    result = CliRunner().invoke(app, ["--out", str(out), "--exports", str(exports_dir())])
    assert result.exit_code == 0, result.output
    assert (out / CROISSANT).is_file()
    return out


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any network connection fails the test."""

    def refuse(self: socket.socket, address: Any) -> None:
        raise AssertionError(f"network access to {address} while reading the Croissant file")

    monkeypatch.setattr(socket.socket, "connect", refuse)


def _plain(value: Any) -> Any:
    """A record value as plain Python: bytes decoded, numpy scalars unboxed, sub-field ids
    shortened to their key."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list | np.ndarray):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {key.rsplit("/", 1)[-1]: _plain(v) for key, v in value.items()}
    return value


def test_croissant_is_valid_and_describes_every_config_field_and_split(folder, offline) -> None:
    dataset = mlcroissant.Dataset(jsonld=str(folder / CROISSANT))
    issues = dataset.metadata.ctx.issues
    assert not issues.errors and issues.warnings <= EXPECTED_WARNINGS, issues.report()
    jsonld = json.loads((folder / CROISSANT).read_text(encoding="utf-8"))
    record_sets = {rs["@id"]: rs for rs in jsonld["recordSet"]}
    for config in CONFIGS:
        fields = {f["@id"]: f for f in record_sets[config]["field"]}
        columns = {f"{config}/{column}" for column in FEATURES[config]}
        assert set(fields) == columns | {f"{config}/split"}  # a column or from the file name
        assert all(f["description"] for f in fields.values())
        for name, feature in FEATURES[config].items():
            inner = getattr(feature, "feature", None)
            if isinstance(inner, dict):
                keys = [sub["@id"] for sub in fields[f"{config}/{name}"]["subField"]]
                assert keys == [f"{config}/{name}/{key}" for key in inner], name
        built = [s for s in SPLITS if (folder / config / f"{s}.parquet").is_file()]
        assert built, config
        splits = dataset.records(record_set=f"{config}_splits")
        assert [_plain(r[f"{config}_splits/split_name"]) for r in splits] == built


def test_records_read_through_croissant_are_the_dataset_rows(folder, offline, tmp_path) -> None:
    dataset = mlcroissant.Dataset(jsonld=str(folder / CROISSANT))
    for config in CONFIGS:
        rows = datasets.load_dataset(str(folder), config, cache_dir=str(tmp_path / "cache"))
        read: dict[str, list[dict]] = {}
        for record in dataset.records(record_set=config):
            row = {key.split("/", 1)[1]: _plain(value) for key, value in record.items()}
            # the split: a column of the documents config, else derived from the file name
            split = row["split"] if "split" in FEATURES[config] else row.pop("split")
            read.setdefault(split, []).append(row)
        assert sorted(read) == sorted(rows), config
        for split, expected in rows.items():
            assert read[split] == expected.to_list(), (config, split)
