"""``publish(repo_id, dry_run_dir=None)``: upload the built dataset folder to the Hub.

Uploaded: ``README.md`` (the card), ``croissant.json`` (Croissant metadata) and
``<config>/<split>.parquet`` of every config — exactly the files the card's ``configs`` point
to. Not uploaded: ``data/raw/`` (the verbatim source files and manifest; the same texts are in
the ``documents`` config) and anything else in ``data/``.
The real upload stages the same folder a dry run writes, so the two cannot differ.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml
from huggingface_hub import HfApi, get_token

from nkru.errors import NkruError
from nkru.paths import data_dir

from .build import CARD
from .croissant import CROISSANT
from .features import CONFIGS

EXCLUDED = ("raw",)
"""Folders of ``data/`` that are never uploaded."""
REPO_ID_RE = re.compile(r"^[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*$")


class PublishError(NkruError):
    """Publishing is impossible; ``code`` is the CLI exit code (2 bad input, 1 failure)."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = code


@dataclass
class PublishResult:
    repo_id: str
    files: list[str]
    dry_run_dir: Path | None
    url: str | None = None


def _card_files(card: str) -> list[str]:
    if not card.startswith("---\n"):
        raise PublishError("the dataset card has no YAML header: rebuild with `nkru build`")
    header = yaml.safe_load(card.split("---\n", 2)[1])
    return [
        entry["path"]
        for config in header.get("configs", [])
        for entry in config.get("data_files", [])
    ]


def upload_files(data: Path) -> list[str]:
    """Relative paths of the files to upload, checked against the card's ``data_files``."""
    card = data / CARD
    if not card.is_file():
        raise PublishError(f"{card} does not exist: run `nkru build` first")
    listed = _card_files(card.read_text(encoding="utf-8"))
    files = [CARD, *([CROISSANT] if (data / CROISSANT).is_file() else [])]
    for config in CONFIGS:
        files += sorted(p.relative_to(data).as_posix() for p in (data / config).glob("*.parquet"))
    missing = sorted(set(listed) - set(files))
    extra = sorted(set(files) - set(listed) - {CARD, CROISSANT})
    if missing or extra:
        raise PublishError(
            f"{data} does not match its card (missing: {missing or 'none'}, not in the card: "
            f"{extra or 'none'}): rebuild with `nkru build`",
            code=1,
        )
    return files


def stage(data: Path, target: Path, files: list[str]) -> None:
    """Copy ``files`` from ``data`` to the (new or empty) folder ``target``."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise PublishError(f"{target} exists and is not an empty folder: choose a new one")
    for name in files:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(data / name, target / name)


def hub_token() -> str | None:
    """``HF_TOKEN`` from the environment, else the user's login (``hf auth login``)."""

    return os.environ.get("HF_TOKEN") or get_token()


def publish(
    repo_id: str,
    dry_run_dir: Path | None = None,
    *,
    data: Path | None = None,
    log: Callable[[str], None] | None = None,
    public: bool = False,
) -> PublishResult:
    """Upload the dataset folder to the dataset repo ``repo_id`` (created if missing, private
    unless ``public``: the article texts are not ours to relicense, see DATASHEET.md).

    With ``dry_run_dir``, write exactly the folder that would be uploaded there instead and make
    no network call (no token needed).
    """

    log = log or (lambda message: None)
    if not REPO_ID_RE.match(repo_id or ""):
        raise PublishError(f"repo id {repo_id!r} is not of the form OWNER/NAME")
    data = Path(data) if data is not None else data_dir()
    files = upload_files(data)
    if dry_run_dir is not None:
        stage(data, Path(dry_run_dir), files)
        return PublishResult(repo_id, files, Path(dry_run_dir))
    token = hub_token()
    if not token:
        raise PublishError(
            "no Hugging Face token: set HF_TOKEN or log in with `hf auth login` "
            "(or use --dry-run to see what would be uploaded)"
        )

    with tempfile.TemporaryDirectory(prefix="nkru-publish-") as tmp:
        stage(data, Path(tmp), files)
        api = HfApi(token=token)
        try:
            api.create_repo(repo_id, repo_type="dataset", exist_ok=True, private=not public)
            log(f"uploading {len(files)} files to {repo_id}")
            commit = api.upload_folder(
                repo_id=repo_id,
                repo_type="dataset",
                folder_path=tmp,
                commit_message="nkru publish: dataset built by `nkru build`",
                delete_patterns=["*.parquet"],
            )
        except Exception as err:  # network, auth, HTTP: a message, never a traceback
            raise PublishError(f"upload to {repo_id} failed: {err}", code=1) from None
    return PublishResult(repo_id, files, None, getattr(commit, "commit_url", str(commit)))
