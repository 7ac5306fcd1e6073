"""The content-health report as files: ``report.json`` and ``report.html`` (for the team).

The HTML page is self-contained (styles inline, no script; its Content-Security-Policy allows
nothing else) and escapes every customer-written text through Jinja's autoescape. It is
written wherever ``--out-report`` says, never into the published site.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2

from helpgen.health.checks import KINDS, HealthReport

__all__ = ["report_json", "report_html", "write_report", "JSON_NAME", "HTML_NAME"]

JSON_NAME = "report.json"
HTML_NAME = "report.html"

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("helpgen.health", "."),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def report_json(report: HealthReport) -> str:
    """The report as indented JSON text."""
    return json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n"


def report_html(report: HealthReport, base_url: str = "") -> str:
    """The report as one HTML page; titles link to ``base_url`` + the page's path when set."""
    base = base_url.rstrip("/") + "/" if base_url else ""
    data: dict[str, Any] = report.to_json()
    return _ENV.get_template("report.html").render(report=data, kinds=KINDS, base=base)


def write_report(report: HealthReport, folder: Path, base_url: str = "") -> tuple[Path, Path]:
    """Write ``report.json`` and ``report.html`` into ``folder`` (created); returns both paths."""
    folder.mkdir(parents=True, exist_ok=True)
    json_path, html_path = folder / JSON_NAME, folder / HTML_NAME
    json_path.write_text(report_json(report), encoding="utf-8")
    html_path.write_text(report_html(report, base_url), encoding="utf-8")
    return json_path, html_path
