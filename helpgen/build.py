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

import gc
import hashlib
import logging
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterator

from helpgen import __version__, progress
from helpgen.config import Config
from helpgen.content.cache import ContentCache, PullStatus
from helpgen.content.pull import PullResult, pull_snapshot
from helpgen.content.snapshot import Snapshot, load_snapshot
from helpgen.content.view_history import current_views, load_view_history, record_sample, save_view_history
from helpgen.cstar import CommunityClient, CStarTransport, LibraryClient
from helpgen.lock import BuildLock
from helpgen.publish import StagedSite
from helpgen.render.bodies import BodyCache, BodyRenderer
from helpgen.render.colors import STYLESHEET_NAME as COLORS_STYLESHEET, color_stylesheet
from helpgen.render.chat import chat_widget
from helpgen.render.csp import api_origin, content_security_policy
from helpgen.render.fingerprints import BuildManifest, Fingerprinter, TemplateHasher, digest
from helpgen.render.markdown import highlight_css
from helpgen.render.pages import SiteSettings, plan_pages
from helpgen.render.popularity import view_growth
from helpgen.render.redirects import stage_redirects
from helpgen.render.related import add_related_articles
from helpgen.render.related_cache import RelatedCache
from helpgen.render.roadmap import add_roadmap
from helpgen.render.seo import add_head_data, missing_base_url_warning
from helpgen.render.site_files import site_files
from helpgen.render.site_writer import RenderPlan, default_jobs, keep_compiled_templates, render_pages
from helpgen.render.i18n import Catalog, CatalogError, catalog_dirs, default_catalog, load_catalog
from helpgen.render.templates import AssetManifest, Theme, ThemeError, find_theme, make_environment, render_template
from helpgen.search import TermCache, analyze_pages
from helpgen.search._collector import collector_paused
from helpgen.search.incremental import ExportCache, export_search
from helpgen.search.usage import usage_multipliers

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
def _long_lived_heap() -> Iterator[None]:
    """Let the build mark what it keeps to the end (content, pages, analysed documents) as
    long-lived with :func:`_settle`, and give it back to the garbage collector when done.

    Python's cyclic collector otherwise walks that whole heap again and again (about 2 s of a
    one-article rebuild at 10,000 articles), and forked workers would copy every page the
    walk touches. Frozen objects are still freed as soon as nothing refers to them.
    """
    try:
        yield
    finally:
        gc.unfreeze()


def _settle() -> None:
    """Everything alive now stays to the end of the build: the collector need not look at it."""
    gc.freeze()


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


def _catalog(config: Config, theme: Theme) -> Catalog:
    """The texts of ``[site] language``: the themes' catalogs, then the site's ``locales/``."""
    try:
        return load_catalog(catalog_dirs([t.root for t in theme.lineage], config.locales_dir), config.language)
    except CatalogError as exc:
        raise ThemeError(str(exc)) from exc


def _settings(config: Config, snapshot_team: str = "", catalog: Catalog | None = None) -> SiteSettings:
    # The browser talks to the API only for views and feedback (partials/analytics.html).
    api = api_origin(config.api_url) if config.analytics and (config.team or snapshot_team) else None
    chat = chat_widget(config, snapshot_team)
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
        content_security_policy=content_security_policy(
            connect_origins=[api] if api else [],
            frame_hosts=config.iframe_hosts,
            widget_origins=[chat.origin] if chat and chat.origin else [],
        ),
        chat=chat,
        draft_slugs=config.preview_drafts,
        catalog=catalog or default_catalog(config.language),
    )


def _site_inputs(
    config: Config, snapshot: Snapshot, settings_hash: str, assets: AssetManifest, templates: TemplateHasher
) -> str:
    """One hash of everything the site is made from: when it matches, nothing is to be done."""
    static: list[list[object]] = []
    if config.static_dir is not None:
        for file in sorted(p for p in config.static_dir.rglob("*") if p.is_file()):
            stat = file.stat()
            static.append([file.relative_to(config.static_dir).as_posix(), stat.st_size, stat.st_mtime_ns])
    return digest(
        [
            settings_hash,
            templates.hash_all(),
            {name: hashlib.sha256(data).hexdigest() for name, data in sorted(assets.files.items())},
            static,
            snapshot.content_digest(),
            # Settings read by the build itself rather than by templates:
            config.redirects,
            config.roadmap_topics,
            config.search_usage_boost,
        ]
    )


def _save_caches(*caches: Any) -> None:
    for cache in caches:
        cache.save()


def build_site(
    config: Config,
    *,
    snapshot: Snapshot | None = None,
    full: bool = False,
    jobs: int | None = None,
    retain: list[Any] | None = None,
) -> BuildReport:
    """Build the site for ``config`` into ``config.out_dir``; returns what was done.

    Content comes from ``snapshot`` if given, else ``config.snapshot_dir``, else the API.
    Only pages whose inputs changed since the last build are rendered (all of them with
    ``full=True``), by ``jobs`` worker processes (default: one per core). Raises ``LockHeld``, ``ContentIncomplete``, ``BuildInterrupted``,
    ``CStarError``, ``SnapshotError``, ``ThemeError`` or ``PublishError``; in every case
    ``config.out_dir`` is left as it was.

    ``retain``: a process that ends right after the build passes a list, and the build's
    working data (content, pages, search documents: hundreds of megabytes at 10,000
    articles) is appended to it instead of being freed object by object on return.
    """
    with BuildLock(config.cache_dir), _sigterm_interrupts(), _long_lived_heap():
        return _build(config, snapshot, full, jobs or default_jobs(), retain)


def _build(config: Config, snapshot: Snapshot | None, full: bool, jobs: int, retain: list[Any] | None = None) -> BuildReport:
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
    _settle()
    report.articles = len(snapshot.articles)
    report.categories = len(snapshot.categories)
    report.topics = len(snapshot.topics)
    report.posts = len(snapshot.threads)

    cache = ContentCache(config.cache_dir)
    theme = find_theme(config.theme, config.site_dir)
    settings = _settings(config, snapshot.team, _catalog(config, theme))
    assets = AssetManifest()
    for layer in theme.lineage:  # a theme's own static files replace those of the theme it extends
        assets.add_theme_static(layer.static_dir)
    assets.add("highlight.css", highlight_css().encode("utf-8"))
    assets.add(COLORS_STYLESHEET, color_stylesheet(c.color for c in snapshot.categories).encode("utf-8"))
    env = make_environment(theme, config.templates_dir)
    keep_compiled_templates(env, config.cache_dir / "jinja")
    templates = TemplateHasher(env, cache_file=config.cache_dir / "templates.json")
    settings_hash = digest([__version__, Fingerprinter().token(settings), assets.names, config.base_path])
    previous = BuildManifest() if full else BuildManifest.load(cache.build_manifest)
    view_history, views_now = load_view_history(cache.view_history), current_views(snapshot)
    growth = view_growth(view_history, views_now)  # trending: an input like the content
    inputs = digest([_site_inputs(config, snapshot, settings_hash, assets, templates), growth])
    if previous.inputs == inputs and previous.published_intact(config.out_dir):
        # Nothing the site is made from changed, and the published files are as we left them.
        report.pages_written = report.pages_unchanged = len(previous.pages)
        report.warnings.extend(previous.warnings)
        for warning in previous.warnings:
            log.warning("%s", warning)
        log.info("nothing changed since the last build; %s is up to date", config.out_dir)
        return report

    bodies = BodyCache(cache.bodies_dir)
    renderer = BodyRenderer(
        bodies, iframe_hosts=config.iframe_hosts, strict=config.strict, texts=settings.catalog.body_texts()
    )
    with _stage(report, "pages"):
        pages, warnings = plan_pages(snapshot, settings, renderer, view_growth=growth)
        warnings[:0] = settings.catalog.warnings  # keys a language lacks (shown in English)
        pages, roadmap_feeds = add_roadmap(pages, config.roadmap_topics, settings)
    _settle()
    term_cache = TermCache(cache.search_terms)
    with _stage(report, "search"):
        # Only new or changed documents are analysed (in parallel); the rest come from the cache.
        analyzed = analyze_pages(pages, term_cache, jobs)
        # Only the terms of changed documents are exported again (helpgen/search/incremental.py).
        export_cache = ExportCache(config.cache_dir / "search-export", fresh=full)
        search_index, scorer = export_search(  # scorer: collection counts, shared with related articles
            analyzed, export_cache, earlier_documents=term_cache.entries, jobs=jobs,
            boosts=usage_multipliers(pages, config.search_usage_boost),
        )
    _settle()
    with _stage(report, "related"), collector_paused():  # only the lists that can have changed are computed again
        related_cache = RelatedCache(config.cache_dir, fresh=full)
        pages = add_related_articles(pages, analyzed, related_cache, scorer=scorer, jobs=jobs)
        _settle()  # the new pages and related state live to the end: settled before the collector resumes
    with _stage(report, "seo"):  # head tags and JSON-LD (built when a rendered page reads them)
        pages = add_head_data(pages, settings)
        warnings.extend([] if settings.base_url else [missing_base_url_warning()])
    manifest = BuildManifest(out_dir=str(config.out_dir), settings=settings_hash, inputs=inputs)

    with StagedSite(config.out_dir, state=config.cache_dir / "publish") as staged:
        with _stage(report, "render"):
            plan = RenderPlan(
                pages=pages,
                env=env,
                templates=templates,
                assets=assets,
                settings=settings,
                settings_hash=settings_hash,
                previous=previous,
                out_dir=config.out_dir,
                base_path=config.base_path,
                renderer=renderer,
                staged=staged,
                warnings=warnings,
            )
            # The sitemap, feeds, llms.txt and .md copies are made (by a worker) while pages are
            # compared and rendered; another worker saves the content-keyed caches meanwhile (a
            # build that fails later leaves them right for the same content).
            outcome = render_pages(
                plan, jobs,
                alongside=lambda: site_files(pages, settings, config.static_dir),
                meanwhile=lambda: _save_caches(term_cache, export_cache, related_cache),
            )
            warnings.extend(outcome.new_warnings)
            manifest.pages = outcome.records
            report.rendered = outcome.rendered
            report.pages_rendered = len(outcome.rendered)
            report.pages_unchanged = outcome.pages_unchanged
            report.pages_written = len(pages)
        publish_total = len(assets.files) + len(search_index.files)
        with _stage(report, "publish"), progress.stage("publish", total=publish_total, unit="files") as bar:
            staged.write_files(assets.files, advance=bar.advance)
            staged.write_files(search_index.files, content_addressed=search_index.content_addressed, advance=bar.advance)
            staged.write_files(roadmap_feeds)
            if config.static_dir is not None:
                for skipped in staged.copy_tree(config.static_dir):
                    warnings.append(f"static file {skipped!r} is not copied: a generated page has that path")
            redirect_history, redirect_warnings = stage_redirects(
                staged, cache.redirect_history, pages, snapshot, config.redirects, base_url=settings.base_url,
                base_path=config.base_path, render_page=lambda c: render_template(env, "redirect.html", {"site": settings, **c}),
            )
            warnings.extend(redirect_warnings)
            staged.publish()
            report.files_written = staged.files_written
            report.files_unchanged = staged.files_unchanged
            report.files_removed = staged.files_removed
            report.bytes_written = staged.bytes_written
    # The site is published; now remember what it was made of, for the next build.
    manifest.record_published(config.out_dir, staged.published_file)  # sizes and mtimes as publish recorded them
    manifest.warnings = list(warnings)
    manifest.save(cache.build_manifest)
    templates.save()
    kept_views = record_sample(view_history, views_now)
    if kept_views != view_history:
        save_view_history(cache.view_history, kept_views)
    redirect_history.save(cache.redirect_history)
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
    if retain is not None:
        retain.append(locals())  # everything this build made, kept alive (see build_site)
    return report
