"""Label Studio on PostgreSQL, as a team runs it: a real PostgreSQL server (Debian's package,
installed by scripts/test.sh) started in a temporary folder, Label Studio started on it by
``studio.start_server(database=...)`` (what ``nkru studio serve --database`` calls), and the
committed annotations pushed and pulled back unchanged."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from nkru.annotation import client, exports, studio
from nkru.corpus import get_document
from nkru.paths import exports_dir

pytestmark = pytest.mark.studio


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _as_postgres(cmd: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as Debian's postgres user."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    """A PostgreSQL server on a free 127.0.0.1 port with an empty database; its URL."""
    bindir = _pg_bin()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed (scripts/test.sh installs it as root)")
        pytest.skip("PostgreSQL is not installed (apt-get install -y postgresql)")
    # not under pytest's temporary folder: root-only, and the server runs as postgres
    base = Path(tempfile.mkdtemp(prefix="nkru-postgres-"))
    data = base / "data"
    data.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(data, "postgres")
    port = studio.free_port()
    run = {"check": True, "capture_output": True, "text": True, "timeout": 300}
    subprocess.run(
        _as_postgres([str(bindir / "initdb"), "-D", str(data), "-U", "nkru", "-A", "trust"]),
        **run,
    )
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1"
    pg_ctl = str(bindir / "pg_ctl")
    subprocess.run(
        _as_postgres(
            [pg_ctl, "-D", str(data), "-o", options, "-l", str(base / "log"), "-w", "start"]
        ),
        **run,
    )
    try:
        subprocess.run(
            _as_postgres(
                [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "nkru", "ls"]
            ),
            **run,
        )
        yield f"postgresql://nkru@127.0.0.1:{port}/ls"
    finally:
        with contextlib.suppress(subprocess.SubprocessError):
            subprocess.run(_as_postgres([pg_ctl, "-D", str(data), "-m", "fast", "stop"]), **run)
        shutil.rmtree(base, ignore_errors=True)


def test_label_studio_on_postgresql_round_trips_the_annotations(postgres: str, tmp_path: Path):
    psycopg = pytest.importorskip("psycopg")
    committed = exports.read_exports(exports_dir())
    doc_id = next(d for d, t in committed.items() if t.get("annotations"))
    data_dir = tmp_path / "ls"
    saved = os.environ.pop(studio.TOKEN_ENV, None)
    try:
        server = studio.start_server(data_dir, timeout=600, database=postgres)
    finally:
        if saved is not None:
            os.environ[studio.TOKEN_ENV] = saved
    with server:
        assert server.database == postgres
        assert not (data_dir / studio.DB_FILE).exists()  # nothing in sqlite
        ls = client.connect(server.url, server.token)
        report = client.push(ls, [get_document(doc_id)], committed, title="NKRU-FR team")
        assert report.imported == [doc_id]
        paths = client.pull(ls, tmp_path / "exports", title="NKRU-FR team")
        assert [p.name for p in paths] == [f"{doc_id}.json"]
        assert paths[0].read_text(encoding="utf-8") == (exports_dir() / f"{doc_id}.json").read_text(
            encoding="utf-8"
        )
        with psycopg.connect(postgres) as connection:
            (tasks,) = connection.execute("select count(*) from task").fetchone()
            (annotations,) = connection.execute("select count(*) from task_completion").fetchone()
        assert tasks == 1
        assert annotations == len(committed[doc_id]["annotations"])


def test_a_bad_database_url_is_refused_before_starting(tmp_path: Path) -> None:
    with pytest.raises(studio.StudioError, match="expected postgresql://"):
        studio.start_server(tmp_path, database="mysql://root@localhost/ls")
    with pytest.raises(studio.StudioError) as refused:
        studio.start_server(tmp_path, database="postgresql://u:secret@localhost/")
    assert "secret" not in str(refused.value)
