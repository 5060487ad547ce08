"""The minutes as one self-contained printable page, and the page's security policy."""

from __future__ import annotations

import base64
import functools
import hashlib
from collections.abc import Mapping

import jinja2
from markupsafe import Markup

from workshop import asset_dir
from workshop.minutes.outline import outline
from workshop.minutes.picture import picture


@functools.cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(asset_dir("templates")),
        autoescape=True,  # every piece of user text is escaped, in the page and in the SVG
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@functools.cache
def _css() -> str:
    return _templates().loader.get_source(_templates(), "minutes.css")[0]  # type: ignore[union-attr]


def content_security_policy() -> str:
    """The page's own policy: its one <style> block by hash, no script, nothing fetched."""
    digest = base64.b64encode(hashlib.sha256(_css().encode()).digest()).decode()
    return (
        f"default-src 'none'; style-src 'sha256-{digest}'; img-src data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def html(record: Mapping) -> str:
    """A self-contained printable page: styles inline, the chain drawn as inline SVG."""
    return (
        _templates()
        .get_template("minutes.html")
        .render(
            title=record["session"]["title"],
            blocks=outline(record),
            css=Markup(_css()),  # our own stylesheet, not user text
            picture=picture,
        )
    )
