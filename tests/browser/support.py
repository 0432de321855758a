"""Helpers of the browser tests: a real server on its own throwaway var dir (SQLite file,
keys, collected static files) and the Chromium the tests drive.

Each test module starts its own server on a free port with its own var dir, so modules never
share data and two xdist workers never collide. The static files are collected once per
worker (`collectstatic` compresses every vendor file, the slow part of starting a server) and
linked into each var dir.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Headless (Playwright's default) and quiet: no GPU, no background traffic to Google's services.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
SKIP_REASON_NO_CHROMIUM = "Chromium is not installed (apt-get install chromium); CI installs it"
SKIP_REASON_POSTGRES = "browser tests run in the SQLite pass"


def chromium_missing() -> bool:
    """Skip without Chromium, except in CI (CI=true), where a missing browser is a failure."""
    return CHROMIUM is None and os.environ.get("CI") != "true"


def on_postgres() -> bool:
    """One run is enough: the server uses its own SQLite file whichever database the suite runs on."""
    return bool(os.environ.get("GANXUN_DATABASE_URL"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(var: Path) -> dict:
    """The environment of a server on the var dir `var` (none of the caller's GANXUN_ settings)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GANXUN_")}
    env.update(GANXUN_VAR_DIR=str(var), DJANGO_SETTINGS_MODULE="ganxun.settings", PYTHONPATH=str(ROOT))
    return env


def manage(env: dict, *command: str, timeout: int = 300) -> str:
    """Run `python -m ganxun <command>` in the server's environment; returns its output."""
    return run_python(env, "-m", "ganxun", *command, timeout=timeout)


def run_python(env: dict, *args: str, timeout: int = 300) -> str:
    result = subprocess.run([sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True,
                            timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"`python {' '.join(args)}` failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result.stdout


def run_json(env: dict, *args: str, timeout: int = 300) -> dict:
    """Run a script that prints one JSON object on its last line; returns the object."""
    output = run_python(env, *args, timeout=timeout)
    return json.loads(output.strip().splitlines()[-1])


def collect_static(target: Path) -> Path:
    """`collectstatic` into `target`/static (a throwaway var dir of its own); returns that folder."""
    manage(server_env(target), "collectstatic", "--noinput", "-v", "0")
    return target / "static"


def prepare_var(var: Path, static: Path) -> dict:
    """A migrated var dir whose static folder is the collected one; returns the server's env."""
    env = server_env(var)
    (var / "static").symlink_to(static, target_is_directory=True)
    manage(env, "migrate", "-v", "0")
    return env


@contextmanager
def running_server(env: dict):
    """`runserver` on a free port with `env`; yields its base URL and stops it afterwards."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "ganxun", "runserver", "--noreload", f"127.0.0.1:{port}"],
                               env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server on port {port} did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
