"""The Jinja environment: theme lookup, site overrides, filters and content-hashed assets.

A theme is a folder with ``templates/`` and ``static/``. Templates are looked up first in the
site's own ``templates/`` folder, then in the theme, so a site overrides one block or one
partial by name (as in Material for MkDocs). Content never becomes a template: article and
post bodies reach templates as already-rendered, sanitised ``Markup`` values.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Mapping

import jinja2

from helpgen.render.colors import color_class
from helpgen.render.paths import relative_url

__all__ = ["ThemeError", "Theme", "find_theme", "make_environment", "AssetManifest", "format_date", "iso_date"]

HASHED_SUFFIXES = {".css", ".js"}


class ThemeError(Exception):
    """A theme cannot be found or a template fails to render."""


def _themes_root() -> Path:
    """Where the built-in themes live: inside the wheel, or at the top of a source checkout."""
    package_dir = Path(__file__).resolve().parent.parent
    installed = package_dir / "themes"
    return installed if installed.is_dir() else package_dir.parent / "themes"


@dataclass(frozen=True)
class Theme:
    """A theme folder: its ``templates/`` and ``static/``."""

    name: str
    root: Path

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def static_dir(self) -> Path:
        return self.root / "static"


def find_theme(name: str, site_dir: Path) -> Theme:
    """A built-in theme by name, or a theme folder given as a path relative to the site."""
    candidates = [_themes_root() / name, (site_dir / name)]
    for root in candidates:
        if (root / "templates").is_dir():
            return Theme(name=name, root=root.resolve())
    available = sorted(p.name for p in _themes_root().iterdir() if (p / "templates").is_dir())
    raise ThemeError(f"theme {name!r} not found (built-in themes: {', '.join(available)}; or a folder with templates/)")


def _parse_timestamp(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def format_date(value: Any) -> str:
    """An ISO timestamp as a reader's date (``24 Nov 2026``); empty when missing or invalid."""
    parsed = _parse_timestamp(value)
    if parsed is None:
        return ""
    parsed = parsed.astimezone(timezone.utc)
    return f"{parsed.day} {parsed.strftime('%b %Y')}"


def iso_date(value: Any) -> str:
    """An ISO timestamp normalised for ``<time datetime>``; empty when missing or invalid."""
    parsed = _parse_timestamp(value)
    if parsed is None:
        return ""
    return parsed.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class AssetManifest:
    """Static files to publish: site path → bytes, and logical name → hashed site path."""

    files: dict[str, bytes] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, data: bytes, *, hashed: bool | None = None) -> str:
        """Register a theme asset under ``assets/``; CSS and JS names carry a content hash."""
        path = Path(name)
        if hashed is None:
            hashed = path.suffix in HASHED_SUFFIXES
        if hashed:
            digest = hashlib.sha256(data).hexdigest()[:10]
            site_path = f"assets/{path.with_name(f'{path.stem}.{digest}{path.suffix}').as_posix()}"
        else:
            site_path = f"assets/{path.as_posix()}"
        self.files[site_path] = data
        self.names[path.as_posix()] = site_path
        return site_path

    def add_theme_static(self, static_dir: Path) -> None:
        """Register every file of a theme's ``static/`` folder (sorted, so builds are stable)."""
        if not static_dir.is_dir():
            return
        for file in sorted(p for p in static_dir.rglob("*") if p.is_file()):
            self.add(file.relative_to(static_dir).as_posix(), file.read_bytes())

    def lookup(self, name: str) -> str:
        """The site path of a logical asset name; raises ThemeError for an unknown one."""
        try:
            return self.names[name]
        except KeyError:
            raise ThemeError(f"asset {name!r} is not in the theme's static/ folder") from None


def make_environment(theme: Theme, site_templates: Path | None) -> jinja2.Environment:
    """A Jinja environment over the site's overrides, then the theme."""
    loaders: list[jinja2.BaseLoader] = []
    if site_templates is not None:
        loaders.append(jinja2.FileSystemLoader(str(site_templates)))
    loaders.append(jinja2.FileSystemLoader(str(theme.templates_dir)))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["date"] = format_date
    env.filters["isodate"] = iso_date
    env.filters["color_class"] = color_class
    return env


def page_helpers(
    page_path: str, assets: AssetManifest, *, absolute_base: str | None = None
) -> dict[str, Callable[[str], str]]:
    """``url()`` and ``asset()`` for one page.

    Pages link relatively; a page served at unknown depths (404) passes ``absolute_base``
    (the site's URL path, e.g. ``/docs/``) and gets absolute paths instead.
    """
    if absolute_base is not None:

        def url(path: str) -> str:
            return absolute_base + relative_url("", path).removeprefix("./")

    else:

        def url(path: str) -> str:
            return relative_url(page_path, path)

    def asset(name: str) -> str:
        return url(assets.lookup(name))

    return {"url": url, "asset": asset}


def render_template(env: jinja2.Environment, template: str, context: Mapping[str, Any]) -> str:
    """Render one template; a template error names the template and line."""
    try:
        return env.get_template(template).render(context)
    except jinja2.TemplateNotFound as exc:
        raise ThemeError(f"template {exc.name!r} not found in the site's templates/ or the theme") from exc
    except jinja2.TemplateSyntaxError as exc:
        raise ThemeError(f"{exc.filename or exc.name}:{exc.lineno}: template syntax error: {exc.message}") from exc
    except jinja2.UndefinedError as exc:
        raise ThemeError(f"template {template!r}: {exc.message}") from exc
