"""The build pipeline, top to bottom: content → pages → HTML → staged site → publish.

1. content: load the local snapshot, or pull one through the cStar clients;
2. pages: decide every page, its path and its template context (``render.pages``);
3. render: the theme's templates, with the site's overrides, to HTML;
4. publish: write everything into a staging folder and switch it into ``--out`` at once.

Nothing touches ``--out`` before step 4 succeeds, so a failure anywhere keeps the last good
site. :func:`build_site` returns a :class:`BuildReport`; the CLI prints and saves it.
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Iterator

from helpgen import __version__
from helpgen.config import Config
from helpgen.content.pull import pull_snapshot
from helpgen.content.snapshot import Snapshot, load_snapshot
from helpgen.cstar import CommunityClient, CStarTransport, LibraryClient
from helpgen.publish import StagedSite
from helpgen.render.markdown import highlight_css
from helpgen.render.pages import SiteSettings, plan_pages
from helpgen.render.paths import output_file
from helpgen.render.templates import (
    AssetManifest,
    find_theme,
    make_environment,
    page_helpers,
    render_template,
)

__all__ = ["BuildReport", "build_site", "fetch_snapshot", "make_clients"]

log = logging.getLogger("helpgen.build")


@dataclass
class BuildReport:
    """What a build did; written as JSON by ``--report``."""

    helpgen_version: str = __version__
    source: str = ""
    out_dir: str = ""
    pages_written: int = 0
    files_written: int = 0
    bytes_written: int = 0
    articles: int = 0
    categories: int = 0
    topics: int = 0
    posts: int = 0
    api_requests: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The report as plain JSON-ready data."""
        return asdict(self)


@contextmanager
def _stage(report: BuildReport, name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        report.seconds[name] = round(time.perf_counter() - started, 4)


def make_clients(config: Config) -> tuple[LibraryClient, CommunityClient, CStarTransport]:
    """The two cStar clients for ``config``, sharing one transport (one request count)."""
    transport = CStarTransport(
        base_url=config.api_url, timeout=config.timeout, max_retries=config.max_retries
    )
    library = LibraryClient(config.team, cstar_transport=transport)
    community = CommunityClient(config.team, cstar_transport=transport)
    return library, community, transport


def fetch_snapshot(config: Config, report: BuildReport | None = None) -> Snapshot:
    """Pull the whole content of ``config.team`` from the API (``helpgen pull``)."""
    library, community, transport = make_clients(config)
    try:
        return pull_snapshot(library, community, config.team)
    finally:
        if report is not None:
            report.api_requests = transport.stats.requests
        transport.close()


def _settings(config: Config) -> SiteSettings:
    return SiteSettings(
        title=config.title,
        description=config.description,
        base_url=config.base_url.rstrip("/") + "/" if config.base_url else "",
        language=config.language,
        footer_links=config.footer_links,
        team=config.team,
        api_url=config.api_url,
        analytics=config.analytics,
    )


def build_site(config: Config, *, snapshot: Snapshot | None = None) -> BuildReport:
    """Build the site for ``config`` into ``config.out_dir``; returns what was done.

    Content comes from ``snapshot`` if given, else ``config.snapshot_dir``, else the API.
    Raises ``CStarError``, ``SnapshotError``, ``ThemeError`` or ``PublishError``; in every
    case ``config.out_dir`` is left as it was.
    """
    report = BuildReport(out_dir=str(config.out_dir))
    with _stage(report, "content"):
        if snapshot is not None:
            report.source = "memory"
        elif config.snapshot_dir is not None:
            report.source = str(config.snapshot_dir)
            snapshot = load_snapshot(config.snapshot_dir, team=config.team)
        else:
            report.source = config.api_url
            snapshot = fetch_snapshot(config, report)
    report.articles = len(snapshot.articles)
    report.categories = len(snapshot.categories)
    report.topics = len(snapshot.topics)
    report.posts = len(snapshot.threads)

    settings = _settings(config)
    with _stage(report, "pages"):
        pages, warnings = plan_pages(snapshot, settings)
    report.warnings.extend(warnings)
    for warning in warnings:
        log.warning("%s", warning)

    theme = find_theme(config.theme, config.site_dir)
    assets = AssetManifest()
    assets.add_theme_static(theme.static_dir)
    assets.add("highlight.css", highlight_css().encode("utf-8"))
    env = make_environment(theme, config.templates_dir)

    with StagedSite(config.out_dir) as staged:
        with _stage(report, "render"):
            for page in pages:
                absolute = config.base_path if page.kind == "not_found" else None
                context = {
                    "site": settings,
                    "page": page,
                    **page.context,
                    **page_helpers(page.path, assets, absolute_base=absolute),
                }
                html = render_template(env, page.template, context)
                staged.write(output_file(page.path), html.encode("utf-8"))
            report.pages_written = len(pages)
        with _stage(report, "publish"):
            for site_path, data in assets.files.items():
                staged.write(site_path, data)
            if config.static_dir is not None:
                staged.copy_tree(config.static_dir)
            report.files_written = staged.files_written + 1  # + the marker file
            report.bytes_written = staged.bytes_written
            staged.publish()
    log.info(
        "built %d pages (%d articles, %d posts) into %s",
        report.pages_written,
        report.articles,
        report.posts,
        config.out_dir,
    )
    return report
