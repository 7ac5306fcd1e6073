"""Load ``helpgen.toml``, environment variables and command-line flags into one validated Config.

Precedence, highest first: flags, environment (``HELPGEN_TEAM``, ``HELPGEN_API_URL``), the
file, defaults. Every error names the file and the key (``helpgen.toml: [site].title: expected
a string, got 42``) so a user can fix it in one go.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlsplit

from helpgen.health.thresholds import ReportThresholds, report_thresholds
from helpgen.render.i18n import LANGUAGE_TAG
from helpgen.search.usage import DEFAULT_USAGE_BOOST, MAX_USAGE_BOOST

__all__ = ["Config", "ConfigError", "FooterLink", "load_config", "CONFIG_FILENAME"]

CONFIG_FILENAME = "helpgen.toml"
DEFAULT_API_URL = "https://www.cstar.help"


class ConfigError(Exception):
    """The configuration is invalid; the message names the file and the key."""


@dataclass(frozen=True)
class FooterLink:
    """One link in the site footer."""

    label: str
    url: str


@dataclass(frozen=True)
class Config:
    """Everything a build needs to know that is not content. Paths are absolute."""

    site_dir: Path
    config_file: Path | None = None
    title: str = "Help Center"
    description: str = ""
    base_url: str = ""
    language: str = "en"
    theme: str = "default"
    templates_dir: Path | None = None
    static_dir: Path | None = None
    locales_dir: Path | None = None  # [site] locales_dir: the site's message catalogs (render/i18n.py)
    footer_links: tuple[FooterLink, ...] = ()
    team: str = ""
    api_url: str = DEFAULT_API_URL
    snapshot_dir: Path | None = None
    timeout: float = 30.0
    max_retries: int = 3
    analytics: bool = True
    respect_dnt: bool = True  # [analytics] respect_dnt: send nothing under Do-Not-Track / GPC
    feedback: bool = True  # [analytics] feedback: the "Was this helpful?" widget
    out_dir: Path = field(default=Path("_site"))
    cache_dir: Path = field(default=Path(".helpgen-cache"))
    max_wait: float = 120.0
    strict: bool = False  # [build] strict / --strict: a body that cannot be rendered as written fails the build
    iframe_hosts: tuple[str, ...] = ()  # [security] iframe_hosts: hosts whose https iframes articles may embed
    chat_enabled: bool = False  # [chat] enabled: cStar's chat widget on every page (render/chat.py)
    chat_team: str = ""  # [chat] team: the team the widget serves (default: [cstar].team)
    chat_script_url: str = ""  # [chat] script_url: the widget script (default: {api_url}/widget/chat.js)
    preview_drafts: tuple[str, ...] = ()  # slugs shown with a "Draft" banner; set only by `helpgen serve --drafts`
    redirects: tuple[tuple[str, str], ...] = ()  # [redirects] extra: (old site path, site path or URL)
    report: ReportThresholds = field(default_factory=ReportThresholds)  # [report]: `helpgen report` thresholds
    roadmap_topics: tuple[str, ...] = ()  # [roadmap] topics: slugs of the feature-request topics (off when empty)
    search_usage_boost: float = DEFAULT_USAGE_BOOST  # [search] usage_boost: weight of views/helpfulness in ranking (helpgen/search/usage.py)

    @property
    def base_path(self) -> str:
        """The URL path the site is served under, always ending in ``/`` (``/`` by default)."""
        path = urlsplit(self.base_url).path if self.base_url else "/"
        return path if path.endswith("/") else path + "/"


# key -> (type check, description) per section; one table is the whole schema.
_SCHEMA: dict[str, dict[str, tuple[type | tuple[type, ...], str]]] = {
    "site": {
        "title": (str, "a string"),
        "description": (str, "a string"),
        "base_url": (str, "a URL string"),
        "language": (str, "a language code string"),
        "theme": (str, "a theme name or path"),
        "templates_dir": (str, "a folder path"),
        "static_dir": (str, "a folder path"),
        "locales_dir": (str, "a folder path"),
        "footer_links": (list, "a list of {label, url} tables"),
    },
    "cstar": {
        "team": (str, "a team slug or UUID"),
        "api_url": (str, "a URL string"),
        "snapshot": (str, "a folder path"),
        "timeout": ((int, float), "a number of seconds"),
        "max_retries": (int, "a whole number"),
        "max_wait": ((int, float), "a number of seconds"),
    },
    "analytics": {
        "enabled": (bool, "true or false"),
        "respect_dnt": (bool, "true or false"),
        "feedback": (bool, "true or false"),
    },
    "build": {
        "out": (str, "a folder path"),
        "cache_dir": (str, "a folder path"),
        "strict": (bool, "true or false"),
    },
    "security": {
        "iframe_hosts": (list, 'a list of host names like "www.youtube-nocookie.com"'),
    },
    "report": {  # ranges are checked by helpgen.health.thresholds
        "min_views": (int, "a whole number, 0 or more"),
        "min_votes": (int, "a whole number, 0 or more"),
        "max_helpful_ratio": ((int, float), "a number from 0 to 1"),
        "stale_months": (int, "a whole number, 1 or more"),
        "stale_min_views": (int, "a whole number, 0 or more"),
        "question_min_votes": (int, "a whole number, 0 or more"),
        "question_topics": (list, 'a list of topic slugs like ["questions-and-answers"]'),
        "limit": (int, "a whole number, 1 or more"),
    },
    "roadmap": {
        "topics": (list, 'a list of topic slugs like ["feature-requests"]'),
    },
    "search": {
        "usage_boost": ((int, float), f"a number from 0 (off) to {MAX_USAGE_BOOST:g}"),
    },
    "chat": {
        "enabled": (bool, "true or false"),
        "team": (str, "a team slug"),
        "script_url": (str, "a URL string"),
    },
    "redirects": {
        "extra": (list, 'a list of {from = "/old/", to = "/articles/new/"} tables'),
    },
}


def _check_type(where: str, value: Any, expected: type | tuple[type, ...], what: str) -> None:
    bad_bool = isinstance(value, bool) and bool not in (
        expected if isinstance(expected, tuple) else (expected,)
    )
    if bad_bool or not isinstance(value, expected):
        raise ConfigError(f"{where}: expected {what}, got {type(value).__name__} {value!r}")


def _validate(raw: Mapping[str, Any], source: str) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for section, values in raw.items():
        if section not in _SCHEMA:
            known = ", ".join(f"[{s}]" for s in _SCHEMA)
            raise ConfigError(f"{source}: unknown section or key {section!r} (known sections: {known})")
        if not isinstance(values, dict):
            raise ConfigError(f"{source}: [{section}] must be a table")
        schema = _SCHEMA[section]
        for key, value in values.items():
            where = f"{source}: [{section}].{key}"
            if key not in schema:
                raise ConfigError(f"{where}: unknown key (known: {', '.join(schema)})")
            expected, what = schema[key]
            _check_type(where, value, expected, what)
        out[section] = dict(values)
    return out


def _footer_links(value: list[Any], source: str) -> tuple[FooterLink, ...]:
    links = []
    for index, item in enumerate(value):
        where = f"{source}: [site].footer_links[{index}]"
        if not isinstance(item, dict):
            raise ConfigError(f"{where}: expected a table like {{label = \"...\", url = \"...\"}}")
        unknown = set(item) - {"label", "url"}
        if unknown:
            raise ConfigError(f"{where}: unknown key {sorted(unknown)[0]!r} (known: label, url)")
        for key in ("label", "url"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                raise ConfigError(f"{where}.{key}: expected a non-empty string")
        _check_url(f"{where}.url", item["url"], allow_relative=True, allow_mailto=True)
        links.append(FooterLink(label=item["label"], url=item["url"]))
    return tuple(links)


_HOST_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+")


def _iframe_hosts(value: list[Any], source: str) -> tuple[str, ...]:
    hosts = []
    for index, host in enumerate(value):
        where = f"{source}: [security].iframe_hosts[{index}]"
        if not isinstance(host, str) or not _HOST_NAME.fullmatch(host):
            raise ConfigError(
                f'{where}: expected a lowercase host name like "www.youtube-nocookie.com" '
                f"(no scheme, path or port), got {host!r}"
            )
        hosts.append(host)
    return tuple(sorted(set(hosts)))


# A redirect path: no whitespace, quotes, brackets, backslashes, "$" (nginx variables),
# query strings or fragments; "to" may also be an http(s) URL.
_REDIRECT_PATH = re.compile(r"/[^\s\x00-\x1f\x7f\"'<>\\{}$;?#`]*")


def _redirect_rules(value: list[Any], source: str) -> tuple[tuple[str, str], ...]:
    rules: dict[str, str] = {}
    for index, item in enumerate(value):
        where = f"{source}: [redirects].extra[{index}]"
        if not isinstance(item, dict):
            raise ConfigError(f'{where}: expected a table like {{from = "/old/", to = "/articles/new/"}}')
        unknown = set(item) - {"from", "to"}
        if unknown:
            raise ConfigError(f"{where}: unknown key {sorted(unknown)[0]!r} (known: from, to)")
        for key in ("from", "to"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                raise ConfigError(f"{where}.{key}: expected a non-empty string")
        old, new = item["from"].strip(), item["to"].strip()
        if not _REDIRECT_PATH.fullmatch(old) or old == "/" or ".." in old.split("/") or "//" in old:
            raise ConfigError(
                f'{where}.from: expected a path of the site starting with "/" like "/old-faq/" '
                f"(no '..', query, fragment, quotes or spaces), got {old!r}"
            )
        parts = urlsplit(new)
        external = parts.scheme in ("http", "https") and parts.netloc
        if not external and (not _REDIRECT_PATH.fullmatch(new) or ".." in new.split("/") or "//" in new):
            raise ConfigError(
                f'{where}.to: expected a path of the site like "/articles/new/" or an http(s) URL, got {new!r}'
            )
        if external and any(ch in new for ch in " \t\n\"'<>\\$`"):
            raise ConfigError(f"{where}.to: the URL may not contain spaces, quotes, '<', '>', '\\' or '$', got {new!r}")
        if old.lstrip("/") in rules:
            raise ConfigError(f"{where}.from: {old!r} is listed twice")
        rules[old.lstrip("/")] = new if external else new.lstrip("/")
    return tuple(rules.items())


def _topic_slugs(value: list[Any], where: str) -> tuple[str, ...]:
    for index, slug in enumerate(value):
        if not isinstance(slug, str) or not slug.strip():
            raise ConfigError(f"{where}[{index}]: expected a topic slug string, got {slug!r}")
    return tuple(dict.fromkeys(slug.strip() for slug in value))


def _check_url(where: str, value: str, *, allow_relative: bool = False, allow_mailto: bool = False) -> str:
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.netloc:
        return value
    if allow_mailto and parts.scheme == "mailto":
        return value
    if allow_relative and not parts.scheme and not parts.netloc:
        return value
    raise ConfigError(f"{where}: expected an http(s) URL, got {value!r}")


def _read_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc


def load_config(
    site_dir: str | os.PathLike[str] = ".",
    *,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Build the Config for ``site_dir``.

    ``overrides`` holds flag values (``team``, ``api_url``, ``snapshot_dir``, ``out_dir``);
    None values are ignored. Raises :class:`ConfigError` naming the file and key.
    """
    env = os.environ if environ is None else environ
    root = Path(site_dir).resolve()
    if not root.is_dir():
        raise ConfigError(f"{root}: site folder not found")
    path = root / CONFIG_FILENAME
    source = str(path)
    sections = _validate(_read_file(path), source) if path.is_file() else {}
    site = sections.get("site", {})
    cstar = sections.get("cstar", {})

    def folder(value: str | None) -> Path | None:
        return None if value is None else (root / value).resolve()

    config = Config(
        site_dir=root,
        config_file=path if path.is_file() else None,
        title=site.get("title", "Help Center"),
        description=site.get("description", ""),
        base_url=_check_url(f"{source}: [site].base_url", site["base_url"]) if site.get("base_url") else "",
        language=site.get("language", "en"),
        theme=site.get("theme", "default"),
        templates_dir=folder(site.get("templates_dir", "templates" if (root / "templates").is_dir() else None)),
        static_dir=folder(site.get("static_dir", "static" if (root / "static").is_dir() else None)),
        locales_dir=folder(site.get("locales_dir", "locales" if (root / "locales").is_dir() else None)),
        footer_links=_footer_links(site.get("footer_links", []), source),
        team=cstar.get("team", ""),
        api_url=cstar.get("api_url", DEFAULT_API_URL),
        snapshot_dir=folder(cstar.get("snapshot")),
        timeout=float(cstar.get("timeout", 30.0)),
        max_retries=cstar.get("max_retries", 3),
        analytics=sections.get("analytics", {}).get("enabled", True),
        respect_dnt=sections.get("analytics", {}).get("respect_dnt", True),
        feedback=sections.get("analytics", {}).get("feedback", True),
        out_dir=folder(sections.get("build", {}).get("out", "_site")) or root / "_site",
        cache_dir=folder(sections.get("build", {}).get("cache_dir", ".helpgen-cache")) or root / ".helpgen-cache",
        max_wait=float(cstar.get("max_wait", 120.0)),
        strict=sections.get("build", {}).get("strict", False),
        iframe_hosts=_iframe_hosts(sections.get("security", {}).get("iframe_hosts", []), source),
        chat_enabled=sections.get("chat", {}).get("enabled", False),
        chat_team=sections.get("chat", {}).get("team", ""),
        chat_script_url=sections.get("chat", {}).get("script_url", ""),
        redirects=_redirect_rules(sections.get("redirects", {}).get("extra", []), source),
        report=report_thresholds(sections.get("report", {}), source),
        roadmap_topics=_topic_slugs(sections.get("roadmap", {}).get("topics", []), f"{source}: [roadmap].topics"),
        search_usage_boost=float(sections.get("search", {}).get("usage_boost", DEFAULT_USAGE_BOOST)),
    )
    if not 0 <= config.search_usage_boost <= MAX_USAGE_BOOST:
        raise ConfigError(
            f"{source}: [search].usage_boost: expected a number from 0 (off) to {MAX_USAGE_BOOST:g}, "
            f"got {config.search_usage_boost!r}"
        )
    if config.timeout <= 0:
        raise ConfigError(f"{source}: [cstar].timeout: must be greater than 0")
    if config.max_wait < 0:
        raise ConfigError(f"{source}: [cstar].max_wait: must be 0 or more")
    if config.max_retries < 0:
        raise ConfigError(f"{source}: [cstar].max_retries: must be 0 or more")
    if not LANGUAGE_TAG.fullmatch(config.language):
        raise ConfigError(f'{source}: [site].language: expected a language code like "en", "de", "ja" or "pt-BR", got {config.language!r}')
    for where, folder_path in (
        ("[site].templates_dir", config.templates_dir),
        ("[site].static_dir", config.static_dir),
        ("[site].locales_dir", config.locales_dir),
    ):
        if folder_path is not None and not folder_path.is_dir():
            raise ConfigError(f"{source}: {where}: folder {folder_path} not found")

    if config.chat_script_url:
        _check_url(f"{source}: [chat].script_url", config.chat_script_url)

    changes: dict[str, Any] = {}
    if env.get("HELPGEN_TEAM"):
        changes["team"] = env["HELPGEN_TEAM"]
    if env.get("HELPGEN_API_URL"):
        changes["api_url"] = env["HELPGEN_API_URL"]
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        if key in ("snapshot_dir", "out_dir", "cache_dir"):
            value = Path(value).resolve()
        changes[key] = value
    config = replace(config, **changes)
    if "api_url" in changes:
        _check_url("HELPGEN_API_URL / --api-url", config.api_url)
    elif cstar.get("api_url"):
        _check_url(f"{source}: [cstar].api_url", config.api_url)
    return config
