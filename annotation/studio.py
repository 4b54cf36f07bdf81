"""Start and stop a local Label Studio server (loopback only, sqlite, no telemetry) and the
project's ML backend beside it (:func:`start_backend`).

The first start on an empty data directory runs Django migrations (35-43 s). To make every later
start fast, a *migrated template* (an empty, fully migrated sqlite database and nothing else) is
kept under a cache directory keyed by the Label Studio version and copied into each new data
directory. The admin user, its password and its API token are created on the first start of a
data directory, from credentials that are stored inside that data directory (mode 0600) or, for
the token, taken from the environment variable ``NKRU_LS_TOKEN``. The token is never printed in
full (see :func:`mask`).
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import ClassVar, Self

from nkru.errors import NkruError

TOKEN_ENV = "NKRU_LS_TOKEN"
DATABASE_ENV = "NKRU_LS_DATABASE"
DATA_DIR_ENV = "NKRU_LS_DATA_DIR"
CACHE_DIR_ENV = "NKRU_CACHE_DIR"
DB_FILE = "label_studio.sqlite3"
CREDENTIALS_FILE = "nkru-credentials.json"
LOG_FILE = "nkru-server.log"
ADMIN_EMAIL = "admin@nkru.invalid"
BLIND_ADMIN_EMAIL = "blind-admin@nkru.invalid"
"""The admin of a blind server: a server whose admin is this user receives no annotation."""
BLIND_PORT = 8081
PREDICTION_VALIDATION_FLAG = "fflag_feat_utc_210_prediction_validation_15082025"
# Unprefixed variables that Label Studio reads as fallbacks: never pass them to the server.
_UNPREFIXED = ("HOST", "PORT", "USERNAME", "PASSWORD", "DEBUG", "CI", "DJANGO_DB")


DEFAULT_TITLE = "NKRU-FR"
"""The Label Studio project's title unless one is given."""


class StudioError(NkruError, RuntimeError):
    """A clear, user-facing problem with the local Label Studio server."""

    exit_code = 1


class LabelStudioMissing(StudioError):
    """label-studio (the studio extra) is not installed."""


def label_studio_version() -> str:
    try:
        return metadata.version("label-studio")
    except metadata.PackageNotFoundError as exc:  # pragma: no cover - depends on the install
        raise LabelStudioMissing(
            "label-studio is not installed: this command needs `pip install 'nkru[studio]'`"
        ) from exc


def default_data_dir() -> Path:
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser()
    base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return base / "nkru" / "label-studio"


def blind_data_dir() -> Path:
    """The blind server's own data dir: the default data dir's name with ``-blind``."""
    main = default_data_dir()
    return main.with_name(f"{main.name}-blind")


def cache_dir() -> Path:
    env = os.environ.get(CACHE_DIR_ENV) or os.environ.get("NKRU_CACHE")
    if env:
        return Path(env).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "nkru"


def template_dir() -> Path:
    """Where the migrated template for the installed Label Studio version lives."""
    return cache_dir() / f"label-studio-{label_studio_version()}-template"


def mask(token: str) -> str:
    """A token shortened for display: never print a credential in full."""
    return f"{token[:4]}…({len(token)} chars)" if token else "(none)"


@dataclass(frozen=True)
class Credentials:
    email: str
    password: str
    token: str


def load_credentials(data_dir: Path, blind: bool = False) -> Credentials:
    """The admin credentials of ``data_dir``, created (and stored with mode 0600) if missing;
    a ``blind`` server's admin is :data:`BLIND_ADMIN_EMAIL`."""
    path = Path(data_dir) / CREDENTIALS_FILE
    env_token = os.environ.get(TOKEN_ENV, "").strip()
    if path.exists():
        creds = Credentials(**json.loads(path.read_text(encoding="utf-8")))
        if blind and creds.email != BLIND_ADMIN_EMAIL:
            raise StudioError(
                f"{data_dir} holds the main server's data: a blind server needs a data dir of "
                f"its own (default {blind_data_dir()})"
            )
        if env_token and env_token != creds.token:
            raise StudioError(
                f"{TOKEN_ENV} ({mask(env_token)}) differs from the token this data directory was "
                f"created with ({mask(creds.token)}); unset it or use a new --data-dir"
            )
        return creds
    if env_token and len(env_token) < 6:
        raise StudioError(f"{TOKEN_ENV} is too short (Label Studio needs more than 5 characters)")
    creds = Credentials(
        email=BLIND_ADMIN_EMAIL if blind else ADMIN_EMAIL,
        password=secrets.token_urlsafe(18),
        token=env_token or secrets.token_hex(20),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(asdict(creds), fh, indent=2)
    return creds


def _label_studio_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("label-studio")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("label-studio")
    if found:
        return [found]
    return [sys.executable, "-m", "label_studio.server"]


def database_env(url: str) -> dict[str, str]:
    """Label Studio's variables for a PostgreSQL database given as
    ``postgresql://USER[:PASSWORD]@HOST[:PORT]/NAME``."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres") or not parts.path.strip("/"):
        raise StudioError(
            f"database {_mask_url(url)!r}: expected postgresql://USER[:PASSWORD]@HOST[:PORT]/NAME"
        )
    try:
        port = parts.port or 5432
    except ValueError as exc:
        raise StudioError(f"database {_mask_url(url)!r}: {exc}") from exc
    return {
        "DJANGO_DB": "default",
        "POSTGRE_NAME": urllib.parse.unquote(parts.path.strip("/")),
        "POSTGRE_USER": urllib.parse.unquote(parts.username or "postgres"),
        "POSTGRE_PASSWORD": urllib.parse.unquote(parts.password or ""),
        "POSTGRE_HOST": parts.hostname or "localhost",
        "POSTGRE_PORT": str(port),
    }


def _mask_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@", 1)
    return url


def server_env(
    data_dir: Path, creds: Credentials | None = None, database: str | None = None
) -> dict[str, str]:
    """Environment for a prompt-free, loopback-only, telemetry-free Label Studio process, on
    the sqlite file of ``data_dir`` or on the PostgreSQL ``database`` (see
    :func:`database_env`)."""
    env = {k: v for k, v in os.environ.items() if k not in _UNPREFIXED}
    env = {k: v for k, v in env.items() if not k.startswith(("POSTGRE_", "LABEL_STUDIO_POSTGRE_"))}
    env.update(database_env(database) if database else {"DJANGO_DB": "sqlite"})
    env.update(
        LABEL_STUDIO_BASE_DATA_DIR=str(Path(data_dir).resolve()),
        LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN="true",
        LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK="true",
        LABEL_STUDIO_COLLECT_ANALYTICS="false",
        LABEL_STUDIO_LATEST_VERSION_CHECK="false",
        LABEL_STUDIO_SENTRY_DSN="",
        LABEL_STUDIO_FRONTEND_SENTRY_DSN="",
        SENTRY_DSN="",
        FRONTEND_SENTRY_DSN="",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        # the ML backend (`nkru studio backend`) runs on this machine: Label Studio refuses
        # local addresses for an ML backend and for the webhook it registers with it unless
        # told (this server itself listens on 127.0.0.1 only)
        LABEL_STUDIO_ML_BLOCK_LOCAL_IP="false",
        LABEL_STUDIO_SSRF_PROTECTION_ENABLED="false",
        # check every prediction against the labeling config, as imported annotations are:
        # a prediction the editor could not display is refused instead of stored
        **{PREDICTION_VALIDATION_FLAG: "true"},
    )
    for key in ("LABEL_STUDIO_USERNAME", "LABEL_STUDIO_PASSWORD", "LABEL_STUDIO_USER_TOKEN"):
        env.pop(key, None)
    if creds is not None:
        env.update(
            LABEL_STUDIO_USERNAME=creds.email,
            LABEL_STUDIO_PASSWORD=creds.password,
            LABEL_STUDIO_USER_TOKEN=creds.token,
        )
    return env


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def ensure_template(timeout: float = 300.0) -> Path:
    """The migrated template for this Label Studio version, built once (35-43 s) if missing."""
    target = template_dir()
    if (target / DB_FILE).exists():
        return target
    with _lock(target.parent / f"{target.name}.lock"):
        if (target / DB_FILE).exists():
            return target
        work = Path(tempfile.mkdtemp(prefix="template-", dir=target.parent))
        # `label-studio user` applies the migrations, looks a user up and exits: no server,
        # no prompt, no user created.
        cmd = [*_label_studio_cmd(), "user", "--username", "nobody@nkru.invalid"]
        cmd += ["--data-dir", str(work)]
        proc = subprocess.run(
            cmd,
            env=server_env(work),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            cwd=work,
        )
        if not (work / DB_FILE).exists():
            shutil.rmtree(work, ignore_errors=True)
            raise StudioError(
                "could not build the migrated Label Studio template "
                f"(exit {proc.returncode}): {proc.stderr.strip()[-2000:]}"
            )
        for child in work.iterdir():
            if child.name != DB_FILE:
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        if target.exists():
            shutil.rmtree(target)
        work.rename(target)
    return target


def prepare_data_dir(data_dir: Path) -> bool:
    """Make ``data_dir`` ready to start; returns True if the template was copied into it."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    if (data_dir / DB_FILE).exists():
        return False
    template = ensure_template()
    shutil.copy2(template / DB_FILE, data_dir / DB_FILE)
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_busy(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _get_json(url: str, token: str | None = None, timeout: float = 5.0) -> object:
    req = urllib.request.Request(url)
    if token:
        req.add_header("Authorization", f"Token {token}")
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.loads(resp.read().decode("utf-8"))


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: the server gets SIGTERM when the process that started it dies (even by SIGKILL),
    so an interrupted `serve` or test session leaves no orphan server behind."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _spawn(cmd: list[str], env: dict[str, str], cwd: Path, log_path: Path) -> subprocess.Popen:
    """Start ``cmd`` in a process group of its own (see :func:`_stop_group`), its output in
    ``log_path``, dying with this process (:func:`_die_with_parent`)."""
    log = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 - kept open by the child
    try:
        return subprocess.Popen(
            cmd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=cwd,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
    finally:
        log.close()


def _stop_group(proc: subprocess.Popen, timeout: float) -> None:
    """End a process started by :func:`_spawn`: SIGTERM to its own process group only (the
    process and its children), SIGKILL if it is still there after ``timeout`` s."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=timeout)


def _log_tail(log_path: Path, n: int = 40) -> str:
    try:
        return "\n".join(log_path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


def poll(ready: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    """Call ``ready`` every ``interval`` s until it holds (True) or ``timeout`` s pass
    (False)."""
    deadline = time.monotonic() + timeout
    while True:
        if ready():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def _wait_healthy(
    what: str, url: str, proc: subprocess.Popen | None, log_path: Path, timeout: float
) -> None:
    """Poll ``url``/health until it answers ``{"status": "UP"}``; StudioError with the log's
    tail if ``proc`` exits first or ``timeout`` s pass."""
    last = [""]

    def healthy() -> bool:
        if proc is not None and proc.poll() is not None:
            raise StudioError(
                f"{what} exited with code {proc.returncode} during start-up; "
                f"log {log_path}:\n{_log_tail(log_path)}"
            )
        try:
            health = _get_json(f"{url}/health", timeout=2)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            last[0] = str(exc)
            return False
        return isinstance(health, dict) and health.get("status") == "UP"

    if not poll(healthy, timeout, interval=0.25):
        raise StudioError(
            f"{what} did not become healthy on {url} within {timeout:.0f} s ({last[0]}); "
            f"log {log_path}:\n{_log_tail(log_path)}"
        )


class _Started:
    """A process this code started (:func:`_spawn`): ``stop`` ends it, and ``with`` stops it
    on the way out."""

    process: subprocess.Popen | None
    stop_seconds: ClassVar[float]  # how long to wait after SIGTERM before SIGKILL

    def stop(self, timeout: float | None = None) -> None:
        if self.process is not None:
            _stop_group(self.process, self.stop_seconds if timeout is None else timeout)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class Server(_Started):
    """A running Label Studio process that this code started."""

    stop_seconds = 15.0

    url: str
    port: int
    data_dir: Path
    credentials: Credentials
    process: subprocess.Popen | None
    log_path: Path
    startup_seconds: float = 0.0
    template_copied: bool = False
    database: str | None = None  # the PostgreSQL URL (password masked), None for sqlite

    @property
    def token(self) -> str:
        return self.credentials.token

    @property
    def blind(self) -> bool:
        return self.credentials.email == BLIND_ADMIN_EMAIL

    def log_tail(self, n: int = 40) -> str:
        return _log_tail(self.log_path, n)


def start_server(
    data_dir: Path | None = None,
    port: int | None = None,
    timeout: float = 180.0,
    database: str | None = None,
    blind: bool = False,
) -> Server:
    """Start Label Studio on 127.0.0.1 and wait until it is healthy and accepts our token
    (``blind``: a server for blind second annotations, see :data:`BLIND_ADMIN_EMAIL`).

    With ``database`` (a PostgreSQL URL, else ``$NKRU_LS_DATABASE``), the projects, tasks,
    annotations and users live in that database; ``data_dir`` keeps the uploads, the log and
    the credentials. The first start on an empty database runs the migrations (no template)."""
    data_dir = Path(data_dir or default_data_dir()).expanduser().resolve()
    # a blind server never shares the team's database: its own sqlite unless one is named
    database = database or (None if blind else os.environ.get(DATABASE_ENV)) or None
    if database:
        database_env(database)  # a bad URL is refused before anything starts
        data_dir.mkdir(parents=True, exist_ok=True)
        copied = False
    else:
        copied = prepare_data_dir(data_dir)
    creds = load_credentials(data_dir, blind)
    if port is None:
        port = free_port()
    elif _port_busy(port):
        raise StudioError(f"port {port} on 127.0.0.1 is already in use; choose another --port")
    log_path = data_dir / LOG_FILE
    cmd = [*_label_studio_cmd(), "start", "--no-browser", "--internal-host", "127.0.0.1"]
    cmd += ["--port", str(port), "--data-dir", str(data_dir)]
    t0 = time.monotonic()
    proc = _spawn(cmd, server_env(data_dir, creds, database), data_dir, log_path)
    server = Server(
        url=f"http://127.0.0.1:{port}",
        port=port,
        data_dir=data_dir,
        credentials=creds,
        process=proc,
        log_path=log_path,
        template_copied=copied,
        database=_mask_url(database) if database else None,
    )
    try:
        wait_until_ready(server, timeout=timeout)
    except BaseException:
        server.stop()
        raise
    server.startup_seconds = time.monotonic() - t0
    return server


def wait_until_ready(server: Server, timeout: float = 180.0) -> None:
    """Poll /health, then check that the server on the port is ours (it accepts our token)."""
    _wait_healthy("Label Studio", server.url, server.process, server.log_path, timeout)
    try:
        who = _get_json(f"{server.url}/api/current-user/whoami", token=server.token)
    except urllib.error.HTTPError as exc:
        if server.database:
            raise StudioError(
                f"the database {server.database} refuses the API token {mask(server.token)} "
                f"of {server.data_dir / CREDENTIALS_FILE} (HTTP {exc.code}): its admin was "
                "created with another data dir; copy that data dir's credentials file here "
                "(back it up with the database)"
            ) from exc
        raise StudioError(
            f"the server on {server.url} refuses the API token {mask(server.token)} "
            f"(HTTP {exc.code}); is another Label Studio using this port or data directory?"
        ) from exc
    if not isinstance(who, dict) or who.get("email") != server.credentials.email:
        raise StudioError(
            f"the server on {server.url} is not the one started for {server.data_dir}"
        )


@dataclass
class Backend(_Started):
    """A running ML backend (``nkru studio backend``) that this code started."""

    stop_seconds = 30.0

    url: str
    process: subprocess.Popen
    log_path: Path
    startup_seconds: float = 0.0


def start_backend(
    root: Path, log_path: Path, port: int | None = None, timeout: float = 900.0
) -> Backend:
    """Start the ML backend (``nkru studio backend``) of the repository at ``root`` on
    127.0.0.1 (a free port unless ``port``), its output in ``log_path``, and wait until its
    /health answers: it fits the systems first, which takes a minute or more."""
    root = Path(root).resolve()
    nkru = Path(sys.executable).with_name("nkru")
    if not nkru.exists():
        raise StudioError(f"{nkru} is missing: install nkru (pip install -e '.[studio]')")
    port = port or free_port()
    cmd = [str(nkru), "studio", "backend", "--port", str(port)]
    t0 = time.monotonic()
    proc = _spawn(cmd, {**os.environ, "NKRU_ROOT": str(root)}, root, log_path)
    backend = Backend(f"http://127.0.0.1:{port}", proc, log_path)
    try:
        _wait_healthy("the ML backend", backend.url, proc, log_path, timeout)
    except BaseException:
        backend.stop()
        raise
    backend.startup_seconds = time.monotonic() - t0
    return backend


def connect_info(url: str, data_dir: Path | None = None) -> tuple[str, str]:
    """(url, token) for a running server: token from NKRU_LS_TOKEN or the data dir's file."""
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        path = Path(data_dir or default_data_dir()).expanduser() / CREDENTIALS_FILE
        if not path.exists():
            raise StudioError(
                f"no API token: set {TOKEN_ENV} or start the server with `nkru studio serve` "
                f"(credentials are stored in {path})"
            )
        token = json.loads(path.read_text(encoding="utf-8"))["token"]
    return url.rstrip("/"), token


def set_password(
    data_dir: Path, email: str, password: str, database: str | None = None, timeout: float = 300
) -> None:
    """Give the Label Studio user ``email`` this password, stored as Label Studio checks it
    (Django's ``set_password``, through ``label-studio reset_password`` on the server's data
    dir or database; the users API ignores passwords). The password goes to the command's
    standard input (it has no terminal), never onto its command line."""
    data_dir = Path(data_dir).expanduser().resolve()
    cmd = [*_label_studio_cmd(), "reset_password", "--username", email]
    cmd += ["--data-dir", str(data_dir)]
    try:
        proc = subprocess.run(
            cmd,
            input=password + "\n",
            env=server_env(data_dir, database=database),
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=data_dir,
            start_new_session=True,  # no controlling terminal: getpass reads standard input
        )
    except subprocess.TimeoutExpired as exc:
        raise StudioError(f"setting the password of {email} took over {timeout:.0f} s") from exc
    if "Password successfully changed" not in proc.stdout:
        said = (proc.stdout + proc.stderr).strip().splitlines()
        raise StudioError(
            f"could not set the password of {email} in {data_dir}: "
            f"{said[-1] if said else f'exit {proc.returncode}'}"
        )


@dataclass
class WebSession:
    """A browser-like session of one Label Studio login (session and CSRF cookies)."""

    base_url: str
    email: str
    opener: urllib.request.OpenerDirector
    jar: http.cookiejar.CookieJar

    @property
    def cookies(self) -> dict[str, str]:
        return {c.name: c.value or "" for c in self.jar}

    def request(self, method: str, path: str, payload: object = None) -> tuple[int, object]:
        """(HTTP status, decoded JSON body or text) of a request made with this session."""
        data = None if payload is None else json.dumps(payload).encode()
        headers = {"Referer": self.base_url + "/", "X-CSRFToken": self.cookies.get("csrftoken", "")}
        if data is not None:
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.base_url + path, data, headers, method=method)
        try:
            with self.opener.open(req, timeout=30) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        text = raw.decode("utf-8", "replace")
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text


def form_login(base_url: str, email: str, password: str) -> WebSession:
    """Log in through Label Studio's login form, as a person does; StudioError if refused."""
    base_url = base_url.rstrip("/")
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login = f"{base_url}/user/login/"
    try:
        page = opener.open(login, timeout=30).read().decode("utf-8", "replace")
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        token = match.group(1) if match else {c.name: c.value for c in jar}.get("csrftoken", "")
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "email": email, "password": password}
        ).encode()
        opener.open(urllib.request.Request(login, body, {"Referer": login}), timeout=30).read()
    except (urllib.error.URLError, OSError) as exc:
        raise StudioError(f"cannot reach Label Studio at {base_url} ({exc})") from exc
    session = WebSession(base_url, email, opener, jar)
    status, who = session.request("GET", "/api/current-user/whoami")
    if status != 200 or not isinstance(who, dict) or who.get("email") != email:
        raise StudioError(f"Label Studio at {base_url} refuses the login {email}")
    return session
