"""Copy the front-end packages installed by npm into ganxun/static/vendor/.

The deployment network is closed, so nothing is loaded from a CDN: `npm ci`
installs the pinned packages of package-lock.json and this script copies the
files the templates use into a git-ignored static folder.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VENDOR = ROOT / "ganxun" / "static" / "vendor"

# (source under node_modules, destination under static/vendor)
FILES = [
    ("@tabler/core/dist/css/tabler.min.css", "tabler/tabler.min.css"),
    ("@tabler/core/dist/js/tabler.min.js", "tabler/tabler.min.js"),
    ("@tabler/icons-webfont/dist/tabler-icons.min.css", "tabler-icons/tabler-icons.min.css"),
    ("@tabler/icons-webfont/dist/fonts/tabler-icons.woff2", "tabler-icons/fonts/tabler-icons.woff2"),
    ("@tabler/icons-webfont/dist/fonts/tabler-icons.woff", "tabler-icons/fonts/tabler-icons.woff"),
    ("@tabler/icons-webfont/dist/fonts/tabler-icons.ttf", "tabler-icons/fonts/tabler-icons.ttf"),
    ("htmx.org/dist/htmx.min.js", "htmx/htmx.min.js"),
    ("alpinejs/dist/cdn.min.js", "alpinejs/alpine.min.js"),
    ("echarts/dist/echarts.min.js", "echarts/echarts.min.js"),
    ("html5-qrcode/html5-qrcode.min.js", "html5-qrcode/html5-qrcode.min.js"),
]


def main() -> int:
    missing = [src for src, _ in FILES if not (NODE_MODULES / src).is_file()]
    if missing:
        print("missing npm files (run `npm ci` first):", *missing, sep="\n  ", file=sys.stderr)
        return 1
    for src, dest in FILES:
        target = VENDOR / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(NODE_MODULES / src, target)
    print(f"copied {len(FILES)} front-end files into {VENDOR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
