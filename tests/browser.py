"""Driving a real headless Chromium from tests: what a reader of a generated page actually sees.

Static sites (the register of approved suppliers, the rendered spec) are only proven by opening
them in a browser, over HTTP as a reader would. `serve(directory)` serves a folder on 127.0.0.1 on
a free port; `dump_dom(url)` returns the DOM after Chromium has loaded and laid out the page.
Without Chromium the tests skip with a clear message, unless BOKBID_REQUIRE_BROWSER=1 (CI), where
a missing browser is a failure. Debian's package is `chromium` (/usr/bin/chromium).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
)


def chromium() -> str:
    """The browser executable, or skip (fail with BOKBID_REQUIRE_BROWSER=1) when there is none."""
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    message = "no headless Chromium found (install Debian's `chromium`: apt-get install -y chromium)"
    if os.environ.get("BOKBID_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser required (BOKBID_REQUIRE_BROWSER=1): {message}")
    pytest.skip(message)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve `directory` over HTTP on 127.0.0.1 (a free port); yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def dump_dom(url: str, timeout: float = 60.0) -> str:
    """The page's DOM as Chromium renders it (`--dump-dom`), with a throwaway profile."""
    browser = chromium()
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [browser, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    if done.returncode != 0 or "<html" not in done.stdout:
        raise AssertionError(f"chromium failed on {url} (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout
