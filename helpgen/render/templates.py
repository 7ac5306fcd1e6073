"""The Jinja environment: theme lookup, site overrides, filters and content-hashed assets.

A theme is a folder with ``templates/`` and ``static/``. Templates are looked up first in the
site's own ``templates/`` folder, then in the theme, so a site overrides one block or one
partial by name (as in Material for MkDocs). Content never becomes a template: article and
post bodies reach templates as already-rendered, sanitised ``Markup`` values.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from datetime import timezone
from pathlib import Path
from typing import Any, Callable, Mapping

import jinja2

from helpgen.render.colors import color_class
from helpgen.render.i18n import Catalog, CatalogError, parse_timestamp
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


THEME_FILE = "theme.toml"


@dataclass(frozen=True)
class Theme:
    """A theme folder: its ``templates/``, ``static/`` and ``locales/``, and the theme it extends.

    A theme may extend another with ``extends = "NAME"`` in its ``theme.toml``: templates,
    static files and message catalogs it lacks come from the parent (one level or more).
    """

    name: str
    root: Path
    parent: "Theme | None" = None

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def static_dir(self) -> Path:
        return self.root / "static"

    @property
    def lineage(self) -> tuple["Theme", ...]:
        """This theme and its ancestors, the furthest ancestor first."""
        return (*(self.parent.lineage if self.parent else ()), self)


def _theme_parent(root: Path, site_dir: Path, seen: tuple[str, ...]) -> Theme | None:
    """The theme named by ``extends`` in ``root/theme.toml``, if any."""
    file = root / THEME_FILE
    if not file.is_file():
        return None
    try:
        settings = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ThemeError(f"{file}: cannot read: {exc}") from exc
    unknown = sorted(set(settings) - {"extends"})
    if unknown:
        raise ThemeError(f"{file}: unknown key {unknown[0]!r} (known: extends)")
    parent = settings.get("extends")
    if parent is None:
        return None
    if not isinstance(parent, str) or not parent:
        raise ThemeError(f"{file}: extends: expected a theme name, got {parent!r}")
    if parent in seen:
        raise ThemeError(f"{file}: extends: theme {parent!r} extends itself ({' -> '.join((*seen, parent))})")
    return find_theme(parent, site_dir, _seen=seen)


def find_theme(name: str, site_dir: Path, *, _seen: tuple[str, ...] = ()) -> Theme:
    """A built-in theme by name, or a theme folder given as a path relative to the site."""
    candidates = [_themes_root() / name, (site_dir / name)]
    for root in candidates:
        if (root / "templates").is_dir():
            root = root.resolve()
            return Theme(name=name, root=root, parent=_theme_parent(root, site_dir, (*_seen, name)))
    available = sorted(p.name for p in _themes_root().iterdir() if (p / "templates").is_dir())
    raise ThemeError(f"theme {name!r} not found (built-in themes: {', '.join(available)}; or a folder with templates/)")


def _catalog(context: jinja2.runtime.Context) -> Catalog:
    """The page's message catalog (``site.catalog``); a ThemeError outside a page's context."""
    site = context.get("site")
    catalog = getattr(site, "catalog", None)
    if catalog is None:
        raise ThemeError(
            "t() and the date/number filters need the page context: import macros 'with context'"
        )
    return catalog


@jinja2.pass_context
def translate(context: jinja2.runtime.Context, key: str, /, **params: Any) -> str:
    """``t("key", name=value)`` in templates: the page language's text (plain, autoescaped)."""
    return _catalog(context).text(key, **params)


@jinja2.pass_context
def format_date(context: jinja2.runtime.Context, value: Any) -> str:
    """``|date``: an ISO timestamp as a reader's date in the site's language (``24 Nov 2026``)."""
    return _catalog(context).date(value)


@jinja2.pass_context
def format_minutes(context: jinja2.runtime.Context, value: Any) -> str:
    """``|minutes``: a reading time (``"3 min"``) in the site's language (``3 Min.``, ``3 分``)."""
    return _catalog(context).minutes(value)


@jinja2.pass_context
def format_number(context: jinja2.runtime.Context, value: Any) -> str:
    """``|number``: a count as the site's language writes it (``1,234``, ``1.234``)."""
    return _catalog(context).number(value if isinstance(value, (int, float)) else 0)


def iso_date(value: Any) -> str:
    """An ISO timestamp normalised for ``<time datetime>``; empty when missing or invalid."""
    parsed = parse_timestamp(value)
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
        replaced = self.names.get(path.as_posix())
        if replaced is not None and replaced != site_path:  # a theme's file replacing its parent's
            self.files.pop(replaced, None)
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
    """A Jinja environment over the site's overrides, then the theme, then the themes it extends.

    Every theme's templates are also reachable under its name (``default/article.html``), so
    a site override or a theme can extend the very template it replaces.
    """
    loaders: list[jinja2.BaseLoader] = []
    if site_templates is not None:
        loaders.append(jinja2.FileSystemLoader(str(site_templates)))
    ancestors = theme.lineage[::-1]
    loaders.extend(jinja2.FileSystemLoader(str(t.templates_dir)) for t in ancestors)
    loaders.append(jinja2.PrefixLoader({t.name: jinja2.FileSystemLoader(str(t.templates_dir)) for t in ancestors}))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["date"] = format_date
    env.filters["number"] = format_number
    env.filters["minutes"] = format_minutes
    env.globals["t"] = translate
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
    except CatalogError as exc:
        raise ThemeError(f"template {template!r}: {exc}") from exc
