"""The app runs from a built wheel too: templates, static files and the schema are inside it."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHECK = """
import sys
sys.path.insert(0, sys.argv[1])
import workshop
assert workshop.__file__.startswith(sys.argv[1]), workshop.__file__
app = workshop.create_app({"DATA_DIR": sys.argv[2]})
client = app.test_client()
for path in ("/", "/static/remote.css", "/static/js/console.js", "/static/vendor/socket.io.min.js"):
    answer = client.get(path)
    assert answer.status_code == 200, (path, answer.status_code)
from workshop import chainfile
assert chainfile.schema()["title"]
print("ok")
"""


def test_wheel_carries_templates_static_and_schema(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next(tmp_path.glob("workshop-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "workshop/templates/home.html" in names
    for asset in (
        "remote.css",
        "css/app.css",
        "js/console.js",
        "js/participant.js",
        "vendor/socket.io.min.js",
        "vendor/socket.io.LICENSE",
    ):
        assert f"workshop/static/{asset}" in names, asset
    assert "workshop/schema/goalchain.schema.json" in names
    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    ran = subprocess.run(
        [sys.executable, "-c", CHECK, str(unpacked), str(tmp_path / "data")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert ran.stdout.strip() == "ok", ran.stderr
