"""The build pipeline, top to bottom: content → pages → HTML → staged site → publish.

1. content: load the local snapshot, or pull through the cStar clients (incrementally,
   through the cache folder: only new or changed bodies are fetched);
2. pages: decide every page, its path and its template context (``render.pages``);
3. render: only the pages whose inputs changed since the last build (``render.fingerprints``),
   with the theme's templates and the site's overrides; the others are carried over;
4. publish: everything goes into a staging folder that is switched into ``--out`` at once.

Nothing touches ``--out`` before step 4 succeeds, so a failure anywhere (API error, rate
limit, SIGTERM, a template error) keeps the last good site. One build runs at a time per
cache folder. :func:`build_site` returns a :class:`BuildReport`; the CLI prints and saves it.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from helpgen import __version__
from helpgen.config import Config
from helpgen.content.cache import ContentCache, PullStatus, write_json_atomic
from helpgen.content.pull import PullResult, pull_snapshot
from helpgen.content.snapshot import Snapshot, load_snapshot
from helpgen.cstar import CommunityClient, CStarTransport, LibraryClient
from helpgen.lock import BuildLock
from helpgen.publish import StagedSite
from helpgen.render.bodies import BodyCache, BodyRenderer
from helpgen.render.fingerprints import OWN_CONTENT_KEYS, BuildManifest, PageRecord, TemplateHasher, canonical, digest
from helpgen.render.markdown import highlight_css
from helpgen.render.pages import Page, SiteSettings, plan_pages
from helpgen.render.paths import output_file
from helpgen.render.templates import (
    AssetManifest,
    find_theme,
    make_environment,
    page_helpers,
    render_template,
)

__all__ = [
    "BuildReport",
    "BuildInterrupted",
    "ContentIncomplete",
    "build_site",
    "pull_content",
    "make_clients",
]

log = logging.getLogger("helpgen.build")


class BuildInterrupted(BaseException):
    """SIGTERM arrived (cron or a service manager stopping us); nothing was published."""


class ContentIncomplete(Exception):
    """The pull could not fetch everything this run (rate limit); nothing was published.

    What was fetched is kept in the cache, and the next run continues from there.
    """

    def __init__(self, result: PullResult) -> None:
        self.result = result
        when = ""
        if result.resume_after is not None:
            stamp = datetime.fromtimestamp(result.resume_after, timezone.utc).strftime("%H:%M UTC")
            when = f"; the rate limit resets around {stamp}"
        super().__init__(
            f"content incomplete: {result.articles_pending} article bodies and "
            f"{result.posts_pending} post threads still to fetch "
            f"({result.articles_fetched} articles and {result.posts_fetched} threads fetched this run, kept in the cache); "
            f"{result.stopped_because}{when}. Nothing was published; the next run continues where this one stopped"
        )


@dataclass
class BuildReport:
    """What a build did; written as JSON by ``--report``."""

    helpgen_version: str = __version__
    source: str = ""
    out_dir: str = ""
    pages_written: int = 0
    pages_rendered: int = 0
    pages_unchanged: int = 0
    files_written: int = 0
    files_unchanged: int = 0
    files_removed: int = 0
    bytes_written: int = 0
    articles: int = 0
    categories: int = 0
    topics: int = 0
    posts: int = 0
    api_requests: int = 0
    api_bytes: int = 0
    api_not_modified: int = 0
    articles_fetched: int = 0
    posts_fetched: int = 0
    rendered: list[dict[str, str]] = field(default_factory=list)
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


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """Turn SIGTERM into :class:`BuildInterrupted`, so cleanup runs and the cache stays consistent."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        raise BuildInterrupted("interrupted by SIGTERM")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def make_clients(
    config: Config, etag_cache: dict[str, tuple[str, bytes]] | None = None
) -> tuple[LibraryClient, CommunityClient, CStarTransport]:
    """The two cStar clients for ``config``, sharing one transport (one request count)."""
    transport = CStarTransport(
        base_url=config.api_url,
        timeout=config.timeout,
        max_retries=config.max_retries,
        max_wait=config.max_wait,
        etag_cache=etag_cache,
    )
    library = LibraryClient(config.team, cstar_transport=transport)
    community = CommunityClient(config.team, cstar_transport=transport)
    return library, community, transport


def pull_content(config: Config, report: BuildReport) -> PullResult:
    """Pull ``config.team``'s content through the cache folder (incremental, resumable)."""
    cache = ContentCache(config.cache_dir)
    known = cache.load_content(config.team)
    last = cache.load_status()
    last_rate_limit = None
    if last.rate_limit_remaining is not None and last.rate_limit_reset is not None:
        last_rate_limit = (last.rate_limit_remaining, last.rate_limit_reset)
    library, community, transport = make_clients(config, cache.etags())
    try:
        result = pull_snapshot(
            library,
            community,
            config.team,
            known=known,
            on_progress=cache.save_content,
            last_rate_limit=last_rate_limit,
        )
    finally:
        rate_limit = transport.rate_limit
        report.api_requests = transport.stats.requests
        report.api_bytes = transport.stats.bytes_received
        report.api_not_modified = transport.stats.responses_304
        transport.close()
        cache.save_etags()
    report.articles_fetched = result.articles_fetched
    report.posts_fetched = result.posts_fetched
    cache.save_status(
        PullStatus(
            complete=result.complete,
            articles_listed=len(result.snapshot.articles),
            articles_fetched=result.articles_fetched,
            articles_pending=result.articles_pending,
            posts_listed=len(result.snapshot.threads),
            posts_pending=result.posts_pending,
            stopped_because=result.stopped_because,
            resume_after=result.resume_after,
            finished_at=time.time(),
            rate_limit_remaining=rate_limit.remaining if rate_limit else None,
            rate_limit_reset=rate_limit.reset if rate_limit else None,
        )
    )
    return result


def _settings(config: Config, snapshot_team: str = "") -> SiteSettings:
    return SiteSettings(
        title=config.title,
        description=config.description,
        base_url=config.base_url.rstrip("/") + "/" if config.base_url else "",
        language=config.language,
        footer_links=config.footer_links,
        team=config.team or snapshot_team,  # a snapshot build may name its team only in snapshot.json
        api_url=config.api_url,
        analytics=config.analytics,
        respect_dnt=config.respect_dnt,
        feedback=config.feedback,
    )


def _page_record(page: Page, settings_hash: str, template_hash: str) -> PageRecord:
    context = canonical(dict(page.context))
    own = {k: context[k] for k in OWN_CONTENT_KEYS if k in context}
    fingerprint = digest(
        [settings_hash, template_hash, page.kind, page.path, page.template, page.title, page.description, context]
    )
    return PageRecord(fingerprint=fingerprint, template=template_hash, own=digest(own), size=0, mtime_ns=0)


def build_site(config: Config, *, snapshot: Snapshot | None = None, full: bool = False) -> BuildReport:
    """Build the site for ``config`` into ``config.out_dir``; returns what was done.

    Content comes from ``snapshot`` if given, else ``config.snapshot_dir``, else the API.
    Only pages whose inputs changed since the last build are rendered (all of them with
    ``full=True``). Raises ``LockHeld``, ``ContentIncomplete``, ``BuildInterrupted``,
    ``CStarError``, ``SnapshotError``, ``ThemeError`` or ``PublishError``; in every case
    ``config.out_dir`` is left as it was.
    """
    with BuildLock(config.cache_dir), _sigterm_interrupts():
        return _build(config, snapshot, full)


def _build(config: Config, snapshot: Snapshot | None, full: bool) -> BuildReport:
    report = BuildReport(out_dir=str(config.out_dir))
    with _stage(report, "content"):
        if snapshot is not None:
            report.source = "memory"
        elif config.snapshot_dir is not None:
            report.source = str(config.snapshot_dir)
            snapshot = load_snapshot(config.snapshot_dir, team=config.team)
        else:
            report.source = config.api_url
            result = pull_content(config, report)
            if not result.complete:
                raise ContentIncomplete(result)
            snapshot = result.snapshot
    report.articles = len(snapshot.articles)
    report.categories = len(snapshot.categories)
    report.topics = len(snapshot.topics)
    report.posts = len(snapshot.threads)

    cache = ContentCache(config.cache_dir)
    bodies = BodyCache(cache.bodies_dir)
    renderer = BodyRenderer(bodies)
    settings = _settings(config, snapshot.team)
    with _stage(report, "pages"):
        pages, warnings = plan_pages(snapshot, settings, renderer)

    theme = find_theme(config.theme, config.site_dir)
    assets = AssetManifest()
    assets.add_theme_static(theme.static_dir)
    assets.add("highlight.css", highlight_css().encode("utf-8"))
    env = make_environment(theme, config.templates_dir)
    templates = TemplateHasher(env)
    settings_hash = digest([__version__, canonical(settings), assets.names, config.base_path])
    previous = BuildManifest() if full else BuildManifest.load(cache.build_manifest)
    manifest = BuildManifest(out_dir=str(config.out_dir), settings=settings_hash)

    with StagedSite(config.out_dir) as staged:
        with _stage(report, "render"):
            for page in pages:
                site_file = output_file(page.path)
                record = _page_record(page, settings_hash, templates.hash_for(page.template))
                reason = previous.reason_to_render(site_file, record, settings_hash, config.out_dir)
                if reason is None and staged.keep(site_file):
                    report.pages_unchanged += 1
                else:
                    absolute = config.base_path if page.kind == "not_found" else None
                    context = {
                        "site": settings,
                        "page": page,
                        **page.context,
                        **page_helpers(page.path, assets, absolute_base=absolute),
                    }
                    html = render_template(env, page.template, context)
                    staged.write(site_file, html.encode("utf-8"))
                    report.pages_rendered += 1
                    report.rendered.append({"page": site_file, "reason": reason or "published file missing"})
                manifest.pages[site_file] = record
            report.pages_written = len(pages)
        with _stage(report, "publish"):
            for site_path, data in assets.files.items():
                staged.write(site_path, data)
            if config.static_dir is not None:
                for skipped in staged.copy_tree(config.static_dir):
                    warnings.append(f"static file {skipped!r} is not copied: a generated page has that path")
            staged.publish()
            report.files_written = staged.files_written
            report.files_unchanged = staged.files_unchanged
            report.files_removed = staged.files_removed
            report.bytes_written = staged.bytes_written
    # The site is published; now remember what it was made of, for the next build.
    for site_file, record in manifest.pages.items():
        stat = (config.out_dir / site_file).stat()
        record.size, record.mtime_ns = stat.st_size, stat.st_mtime_ns
    write_json_atomic(cache.build_manifest, manifest.to_json())
    bodies.save(keep=renderer.used)

    report.warnings.extend(warnings)
    for warning in warnings:
        log.warning("%s", warning)
    log.info(
        "built %d pages (%d rendered, %d unchanged; %d articles, %d posts) into %s",
        report.pages_written,
        report.pages_rendered,
        report.pages_unchanged,
        report.articles,
        report.posts,
        config.out_dir,
    )
    return report
