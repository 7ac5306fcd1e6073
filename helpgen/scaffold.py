"""``helpgen init``: a new site folder with a commented ``helpgen.toml`` and an empty ``templates/``.

:data:`CONFIG_TEMPLATE` documents every key ``helpgen/config.py`` accepts, with its default;
keys whose default is "not set" (or that need a folder to exist) are commented out. The file
it writes is valid as it is (the tests load it with ``load_config``). :func:`create_site`
never overwrites an existing ``helpgen.toml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from helpgen.config import CONFIG_FILENAME

__all__ = ["SiteAnswers", "SiteExists", "CONFIG_TEMPLATE", "create_site", "render_config", "toml_string"]


class SiteExists(Exception):
    """The folder already has a ``helpgen.toml``; the message names it."""


@dataclass(frozen=True)
class SiteAnswers:
    """What ``init`` asks on a terminal (defaults when not on one)."""

    title: str = "Help Center"
    team: str = ""
    base_url: str = ""


def toml_string(value: str) -> str:
    """``value`` as a TOML basic string (quotes, backslashes and control characters escaped)."""
    out = ['"']
    for char in value:
        code = ord(char)
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


CONFIG_TEMPLATE = """\
# helpgen configuration (the README's "Configuration" section explains every key).
# Every key is optional; a commented-out key shows its default. Flags beat environment
# variables, which beat this file. Unknown keys and wrong types stop the build with an
# error naming this file and the key.

[site]
title = {title}                       # site name, in the header and <title>
description = ""                       # home page and meta description
{base_url_line}
language = "en"                        # <html lang>, dates and the theme's texts: "en", "de", "ja", ...
theme = "default"                      # a built-in theme, or a folder (relative to this file) with templates/ and static/
templates_dir = "templates"            # your overrides of theme templates, by name (copy one from the theme and edit it)
# static_dir = "static"                # files copied to the site root as they are (default: static/ if present)
# locales_dir = "locales"              # your message catalogs over the theme's, key by key (default: locales/ if present)
# footer_links = [                     # links in the footer
#   {{ label = "Status", url = "https://status.example.com" }},
#   {{ label = "Contact", url = "mailto:help@example.com" }},
# ]

[cstar]
team = {team}                         # your cStar team slug or UUID       [env HELPGEN_TEAM, flag --team]
api_url = "https://www.cstar.help"     # the API's base URL                 [env HELPGEN_API_URL, flag --api-url]
# snapshot = "snapshot"                # build from this local snapshot folder instead of the API [flag --snapshot]
timeout = 30                           # seconds per request
max_retries = 3                        # retries after network errors, 5xx and 429
max_wait = 120                         # wait out a 429 only up to this many seconds [flag --max-wait]

[analytics]
enabled = true                         # count article views and show "Was this helpful?" (the browser talks to cStar)
respect_dnt = true                     # send nothing when the browser signals Do-Not-Track or Global Privacy Control
feedback = true                        # the "Was this helpful?" widget under each article

[build]
out = "_site"                          # the output folder, replaced whole and atomically [flag --out]
cache_dir = ".helpgen-cache"           # fetched content, ETags, rendered bodies, the build lock [flag --cache]
strict = false                         # fail the build on a body that cannot be rendered as written [flag --strict]

[security]
iframe_hosts = []                      # hosts articles may embed https iframes from, e.g. ["www.youtube-nocookie.com"]

[search]
usage_boost = 0.2                      # how much views and helpfulness lift a search result, 0 (off) to 1

[chat]
enabled = false                        # cStar's chat widget on every page (loaded deferred, allowed by the CSP)
# team = "acme"                        # the team the widget serves (default: [cstar].team)
# script_url = "https://www.cstar.help/widget/chat.js"   # the widget script (default: api_url + /widget/chat.js)

[redirects]
extra = []                             # more old URLs to keep working, e.g. [{{ from = "/old/", to = "/articles/new/" }}]

[roadmap]
topics = []                            # community topic slugs of feature requests, e.g. ["feature-requests"] (off when empty)

[report]                               # thresholds of the content-health report
min_views = 100                        # an article is judged unhelpful only with at least this many views
min_votes = 5                          # ... and this many helpful + not-helpful votes
max_helpful_ratio = 0.6                # ... and a helpful share below this
stale_months = 12                      # "stale": not updated for this many months
stale_min_views = 500                  # ... and viewed at least this often
question_min_votes = 5                 # community questions with this many votes and no official answer
question_topics = []                   # topic slugs that hold questions (empty: every topic but the roadmap's)
limit = 50                             # at most this many entries per kind, the worst first
"""

def render_config(answers: SiteAnswers) -> str:
    """The commented ``helpgen.toml`` text for ``answers``."""
    if answers.base_url:
        base_url_line = f"base_url = {toml_string(answers.base_url)}   # public address (a subfolder is fine): canonical links, sitemap, 404 page"
    else:
        base_url_line = '# base_url = "https://help.example.com/"   # public address (a subfolder is fine): canonical links, sitemap, 404 page'
    return CONFIG_TEMPLATE.format(
        title=toml_string(answers.title), team=toml_string(answers.team), base_url_line=base_url_line
    )


def create_site(folder: Path, answers: SiteAnswers) -> list[Path]:
    """Write ``helpgen.toml`` and ``templates/`` into ``folder`` (created if needed).

    Raises :class:`SiteExists` when ``helpgen.toml`` is already there (nothing is written).
    Returns the paths created.
    """
    config = folder / CONFIG_FILENAME
    if config.exists():
        raise SiteExists(f"{config} already exists; helpgen init never overwrites it")
    folder.mkdir(parents=True, exist_ok=True)
    created = []
    with config.open("x", encoding="utf-8") as fh:  # "x": fail rather than overwrite, even in a race
        fh.write(render_config(answers))
    created.append(config)
    templates = folder / "templates"
    if not templates.exists():
        templates.mkdir()  # empty: copy a theme template here (same path) to override it
        created.append(templates)
    return created
