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
    devtools = None
    try:
        port_file = profile / "DevToolsActivePort"
        opened = studio.poll(
            lambda: (
                proc.poll() is not None
                or (port_file.exists() and bool(port_file.read_text().strip()))
            ),
            timeout=30,
        )
        if not opened or proc.poll() is not None:
            raise BrowserError("chromium did not open its DevTools port")
        port = int(port_file.read_text().split()[0])
        pages: list[dict[str, Any]] = []

        def listed() -> bool:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
                pages[:] = [t for t in json.loads(r.read()) if t.get("type") == "page"]
            return bool(pages)

        if not studio.poll(listed, timeout=30):
            raise BrowserError("chromium opened no page")
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


# What the page shows (its text, its number of elements, the highlighted regions' texts) and
# how many finite CSS animations or transitions (a dialog opening, a panel sliding in) are still
# running; endless ones (a spinner) are not waited for.
_STATE_JS = (
    "[[document.body ? document.body.innerText : '', document.getElementsByTagName('*').length, "
    + _HIGHLIGHTS_JS.strip()
    + "], document.getAnimations().filter(a => a.playState === 'running' && a.effect"
    " && a.effect.getComputedTiming().iterations !== Infinity).length]"
)


def _wait_still(
    devtools: _DevTools,
    ready: Callable[[str, list[str]], bool],
    timeout: float,
    quiet: float = 0.5,
) -> tuple[str, list[str]]:
    """Poll until the page is ready and still: ``ready(text, regions)`` holds for the page
    text and the highlighted regions' texts, no finite animation is running, and the page
    (:data:`_STATE_JS`) has not changed for ``quiet`` s (relation arrows, labels and dialogs
    render after the regions; the editor may briefly re-mount without them). Returns the text
    and the regions of the last poll (the caller checks them after a ``timeout``)."""
    last: list[Any] = [None, time.monotonic()]  # the state, when it last changed

    def still() -> bool:
        state, moving = devtools.evaluate(_STATE_JS) or (None, 0)
        if state != last[0]:
            last[:] = [state, time.monotonic()]
            return False
        calm = time.monotonic() - last[1] >= quiet
        return calm and not moving and state is not None and ready(state[0], state[2])

    studio.poll(still, timeout)
    text, _, regions = last[0] or ("", 0, [])
    return text, list(regions)


def _text_other_than(before: str) -> Callable[[str, list[str]], bool]:
    return lambda text, _: text != before


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
    regions are rendered and the page is still (or ``timeout``), and return what it shows.
    For each text in ``select``, also click the first highlighted region whose text starts
    with it and read the page again once still (per-region attributes show only for a
    selected region). The screenshot is taken last; ``serialized`` is the editor's own
    serialisation of the shown annotation."""
    t0 = time.monotonic()
    with _logged_in_page(base_url, email, password) as devtools:
        url = f"{base_url}/projects/{project_id}/data?task={task_id}"
        devtools.call("Page.navigate", url=url)
        rendered = Rendered(url)
        # the regions, then the page still (relation arrows and labels drawn)
        rendered.body_text, rendered.highlights = _wait_still(
            devtools, lambda _, regions: len(regions) >= expect, timeout
        )
        before = rendered.body_text
        for prefix in select:
            if not devtools.evaluate(_CLICK_JS % json.dumps(prefix)):
                shown = devtools.evaluate(_HIGHLIGHTS_JS)
                raise BrowserError(
                    f"no highlighted region starting with {prefix!r} to click; shown: {shown}"
                )
            # the selected region's panel opens: the text changes, then the page is still
            before, _ = _wait_still(devtools, _text_other_than(before), timeout)
            rendered.selected[prefix] = before
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
        # the text, then the page still (the dialog done opening)
        rendered.body_text, _ = _wait_still(devtools, lambda text, _: wait_for in text, timeout)
        if screenshot is not None:
            rendered.screenshot = _screenshot(devtools, screenshot)
        rendered.seconds = time.monotonic() - t0
        return rendered
