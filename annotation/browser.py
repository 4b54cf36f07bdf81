"""Open a Label Studio labeling page in headless Chromium and read what it renders.

The Chrome DevTools protocol is spoken over ``websocket-client``. Login is a normal form login
(session cookie), passed to Chromium with ``Network.setCookie``. Used by the tests to check
that pushed regions really show up.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websocket

from nkru.errors import NkruError

from . import studio

CHROMIUM_FLAGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
)
"""Headless chromium flags shared by the labeling-page check and the report test."""


class BrowserError(NkruError, RuntimeError):
    exit_code = 1
    pass


def chromium_path() -> str | None:
    for name in ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def login_session(base_url: str, email: str, password: str) -> dict[str, str]:
    """Cookies (sessionid, csrftoken) of a normal form login."""
    try:
        return studio.form_login(base_url, email, password).cookies
    except studio.StudioError as exc:
        raise BrowserError(str(exc)) from exc


class _DevTools:
    def __init__(self, ws_url: str) -> None:
        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.next_id = 0

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise BrowserError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def evaluate(self, expression: str) -> Any:
        res = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return res.get("result", {}).get("value")


@dataclass
class Rendered:
    url: str
    highlights: list[str] = field(default_factory=list)
    body_text: str = ""
    # page text after clicking each region given in ``select`` (region text prefix -> text)
    selected: dict[str, str] = field(default_factory=dict)
    screenshot: Path | None = None
    seconds: float = 0.0
    # the editor's own serialisation of the shown annotation (its result items), if reachable
    serialized: list | None = None


_HIGHLIGHTS_JS = """
(() => {
  const out = [];
  const walk = (root) => {
    root.querySelectorAll('.htx-highlight').forEach(e => out.push(e.textContent));
    root.querySelectorAll('iframe').forEach(f => {
      try { if (f.contentDocument) walk(f.contentDocument); } catch (e) {}
    });
  };
  walk(document);
  return out;
})()
"""


_CLICK_JS = """
(() => {
  const target = %s;
  const el = [...document.querySelectorAll('.htx-highlight')]
    .find(e => e.textContent.startsWith(target));
  if (!el) return false;
  for (const type of ['mousedown', 'mouseup', 'click']) {
    el.dispatchEvent(new MouseEvent(type, {bubbles: true, cancelable: true, view: window}));
  }
  return true;
})()
"""


_SERIALIZE_JS = """
(() => {
  try {
    const store = window.Htx && window.Htx.annotationStore;
    const selected = store && store.selected;
    return selected ? JSON.parse(JSON.stringify(selected.serializeAnnotation())) : null;
  } catch (e) { return null; }
})()
"""


@contextlib.contextmanager
def _logged_in_page(base_url: str, email: str, password: str) -> Iterator[_DevTools]:
    """A headless Chromium page holding the session cookies of a form login (Chromium and its
    profile are removed on exit)."""
    exe = chromium_path()
    if exe is None:
        raise BrowserError("chromium is not installed (apt-get install -y chromium)")
    cookies = login_session(base_url, email, password)
    profile = Path(tempfile.mkdtemp(prefix="nkru-chromium-"))
    proc = subprocess.Popen(
        [
            exe,
            *CHROMIUM_FLAGS,
            "--window-size=1400,2000",
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    t0 = time.monotonic()
    devtools = None
    try:
        port_file = profile / "DevToolsActivePort"
        while not port_file.exists() or not port_file.read_text().strip():
            if proc.poll() is not None or time.monotonic() - t0 > 30:
                raise BrowserError("chromium did not open its DevTools port")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        pages: list[dict[str, Any]] = []
        while not pages:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
                pages = [t for t in json.loads(r.read()) if t.get("type") == "page"]
            if not pages:
                time.sleep(0.1)
        devtools = _DevTools(pages[0]["webSocketDebuggerUrl"])
        devtools.call("Network.enable")
        for name, value in cookies.items():
            devtools.call("Network.setCookie", name=name, value=value, url=base_url)
        devtools.call("Page.enable")
        yield devtools
    finally:
        if devtools is not None:
            devtools.ws.close()
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, 15)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
                proc.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)


_BODY_JS = "document.body ? document.body.innerText : ''"


def _wait_until(ready: Callable[[], bool], timeout: float, settle: float = 1.0) -> None:
    """Poll ``ready`` every 0.5 s until it holds, then wait ``settle`` s more; or give up after
    ``timeout`` s (the caller checks what the page shows)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            time.sleep(settle)
            return
        time.sleep(0.5)


def _screenshot(devtools: _DevTools, path: Path) -> Path:
    shot = devtools.call("Page.captureScreenshot", format="png")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def render_labeling_page(
    base_url: str,
    project_id: int,
    task_id: int,
    email: str,
    password: str,
    screenshot: Path | None = None,
    expect: int = 1,
    timeout: float = 60.0,
    select: Sequence[str] = (),
) -> Rendered:
    """Open the task's labeling page logged in, wait until at least ``expect`` highlighted
    regions are rendered (or ``timeout``), and return what the page shows. For each text in
    ``select``, also click the first highlighted region whose text starts with it and read the
    page again (per-region attributes show only for a selected region). The screenshot is
    taken last; ``serialized`` is the editor's own serialisation of the shown annotation."""
    t0 = time.monotonic()
    with _logged_in_page(base_url, email, password) as devtools:
        url = f"{base_url}/projects/{project_id}/data?task={task_id}"
        devtools.call("Page.navigate", url=url)
        rendered = Rendered(url)
        # the regions, then a second for relation arrows and labels to settle
        _wait_until(lambda: len(devtools.evaluate(_HIGHLIGHTS_JS) or []) >= expect, timeout)
        rendered.highlights = list(devtools.evaluate(_HIGHLIGHTS_JS) or [])
        rendered.body_text = devtools.evaluate(_BODY_JS)
        for prefix in select:
            if not devtools.evaluate(_CLICK_JS % json.dumps(prefix)):
                raise BrowserError(f"no highlighted region starting with {prefix!r} to click")
            time.sleep(1.0)
            rendered.selected[prefix] = devtools.evaluate("document.body.innerText")
        rendered.serialized = devtools.evaluate(_SERIALIZE_JS)
        if screenshot is not None:
            rendered.screenshot = _screenshot(devtools, screenshot)
        rendered.seconds = time.monotonic() - t0
        return rendered


def render_labeling_stream(
    base_url: str,
    project_id: int,
    email: str,
    password: str,
    wait_for: str,
    screenshot: Path | None = None,
    timeout: float = 60.0,
) -> Rendered:
    """Open the project's labeling stream (what "Label All Tasks" opens) logged in, wait until
    the page text contains ``wait_for`` (or ``timeout``) and return what it shows; the
    project's instructions open there when ``show_instruction`` is set."""
    t0 = time.monotonic()
    with _logged_in_page(base_url, email, password) as devtools:
        url = f"{base_url}/projects/{project_id}/data?labeling=1"
        devtools.call("Page.navigate", url=url)
        rendered = Rendered(url)
        # the text, then a second for the dialog to finish opening
        _wait_until(lambda: wait_for in (devtools.evaluate(_BODY_JS) or ""), timeout)
        rendered.body_text = devtools.evaluate(_BODY_JS) or ""
        if screenshot is not None:
            rendered.screenshot = _screenshot(devtools, screenshot)
        rendered.seconds = time.monotonic() - t0
        return rendered
