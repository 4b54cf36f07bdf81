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
from urllib.parse import urlsplit

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
    # a throwaway server: no flushing to disk (Label Studio's migrations commit often)
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1"
    options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
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


def _pg(tool: str, postgres: str, *args: str) -> subprocess.CompletedProcess:
    """Run a PostgreSQL client tool against the test server (as README's team setup does)."""
    parts = urlsplit(postgres)
    cmd = [str(_pg_bin() / tool), "-h", parts.hostname, "-p", str(parts.port), "-U", "nkru"]
    return subprocess.run(
        _as_postgres([*cmd, *args]), check=True, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def team(postgres: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[studio.Server]:
    """Label Studio on the PostgreSQL database (what `nkru studio serve --database` starts)."""
    saved = os.environ.pop(studio.TOKEN_ENV, None)
    try:
        server = studio.start_server(tmp_path_factory.mktemp("ls"), timeout=600, database=postgres)
    finally:
        if saved is not None:
            os.environ[studio.TOKEN_ENV] = saved
    with server:
        yield server


def test_label_studio_on_postgresql_round_trips_the_annotations(
    postgres: str, team: studio.Server, tmp_path: Path
):
    psycopg = pytest.importorskip("psycopg")
    committed = exports.read_exports(exports_dir())
    doc_id = next(d for d, t in committed.items() if t.get("annotations"))
    assert team.database == postgres
    assert not (team.data_dir / studio.DB_FILE).exists()  # nothing in sqlite
    ls = client.connect(team.url, team.token)
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


def test_an_annotator_login_on_postgresql_logs_in(postgres: str, team: studio.Server):
    ls = client.connect(team.url, team.token)
    email, _, changed = client.ensure_annotator(ls, "pat", team.data_dir, database=postgres)
    assert changed
    password = client.annotator_password(team.data_dir, email)
    studio.form_login(team.url, email, password)


def test_backup_and_restore_keep_the_annotations_and_the_token(
    postgres: str, team: studio.Server, tmp_path: Path
):
    """README's backup (pg_dump + the data dir's credentials file) restored into a new
    database: the same exports come back; without the credentials file, a clear refusal."""
    ls = client.connect(team.url, team.token)
    committed = exports.read_exports(exports_dir())
    doc_id = next(d for d, t in committed.items() if t.get("annotations"))
    client.push(ls, [get_document(doc_id)], committed, title="NKRU-FR backup")
    before = client.pull(ls, tmp_path / "before", title="NKRU-FR backup")
    dump = Path(tempfile.mkdtemp(prefix="nkru-dump-")) / "ls.dump"
    if os.geteuid() == 0:
        shutil.chown(dump.parent, "postgres")
    _pg("pg_dump", postgres, "-Fc", "-f", str(dump), urlsplit(postgres).path.strip("/"))
    _pg("createdb", postgres, "restored")
    _pg("pg_restore", postgres, "--no-owner", "-d", "restored", str(dump))
    shutil.rmtree(dump.parent, ignore_errors=True)
    restored = postgres.rsplit("/", 1)[0] + "/restored"
    data_dir = tmp_path / "restored-ls"
    data_dir.mkdir()
    shutil.copy2(team.data_dir / studio.CREDENTIALS_FILE, data_dir / studio.CREDENTIALS_FILE)
    with studio.start_server(data_dir, timeout=600, database=restored) as again:
        after = client.pull(
            client.connect(again.url, again.token), tmp_path / "after", title="NKRU-FR backup"
        )
    assert [p.read_bytes() for p in after] == [p.read_bytes() for p in before]
    with pytest.raises(studio.StudioError, match="created with another data dir"):
        studio.start_server(tmp_path / "no-credentials", timeout=600, database=restored)


def test_a_bad_database_url_is_refused_before_starting(tmp_path: Path) -> None:
    with pytest.raises(studio.StudioError, match="expected postgresql://"):
        studio.start_server(tmp_path, database="mysql://root@localhost/ls")
    with pytest.raises(studio.StudioError) as refused:
        studio.start_server(tmp_path, database="postgresql://u:secret@localhost/")
    assert "secret" not in str(refused.value)
