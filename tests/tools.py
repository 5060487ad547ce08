"""External tools some tests need: present, or skipped with a reason (never skipped in CI)."""

from __future__ import annotations

import os
import shutil

import pytest


def require(tool: str, why: str) -> str:
    """The tool's path; skip without it on a laptop, but fail in CI, where it must be."""
    path = shutil.which(tool)
    if path:
        return path
    message = f"{tool} is not installed: {why} (`make test` installs it when CI is set)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)
