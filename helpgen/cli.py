"""The ``helpgen`` command: parse flags, call the library, map errors to exit codes.

Exit codes: 0 success; 1 the build failed (the message names the endpoint and status, the
file, or the slug); 2 bad usage or configuration.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Any, Callable, TypeVar

import click

from helpgen import __version__, progress
from helpgen.build import BuildInterrupted, BuildReport, ContentIncomplete, build_site, pull_content
from helpgen.config import Config, ConfigError, load_config
from helpgen.content.snapshot import SnapshotError, save_snapshot
from helpgen.cstar import CStarError
from helpgen.lock import BuildLock, LockHeld
from helpgen.publish import PublishError
from helpgen.render.bodies import BodyRenderError
from helpgen.render.templates import ThemeError

EXIT_BUILD_FAILED = 1
EXIT_USAGE = 2
EXIT_TEMPORARY = 75  # EX_TEMPFAIL: try again later (rate limit, lock held, interrupted)
EXIT_INTERRUPTED = 130

# Set to a list by helpgen.__main__.run, whose process ends as soon as the command is done: a
# build's working data is kept there rather than freed for nothing (build_site's ``retain``).
KEPT_UNTIL_EXIT: list[Any] | None = None

F = TypeVar("F", bound=Callable[..., Any])


def _setup_logging(quiet: bool, verbose: bool) -> None:
    level = logging.ERROR if quiet else logging.DEBUG if verbose else logging.INFO
    progress.show_on_terminal(quiet)  # per-stage bars on a terminal; nothing in cron or with -q
    handler = progress.ProgressLogHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("helpgen: %(levelname)s: %(message)s"))
    root = logging.getLogger("helpgen")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    if not verbose:
        logging.getLogger("helpgen.cstar").setLevel(max(level, logging.INFO))


def _fail(message: str, code: int) -> None:
    click.echo(f"helpgen: error: {message}", err=True)
    sys.exit(code)


def _common_options(func: F) -> F:
    options = [
        click.argument(
            "site_dir",
            required=False,
            default=".",
            type=click.Path(file_okay=False, path_type=Path),
        ),
        click.option("--team", metavar="SLUG", help="cStar team slug or UUID [env: HELPGEN_TEAM]."),
        click.option(
            "--api-url", metavar="URL", help="cStar API base URL [env: HELPGEN_API_URL; default https://www.cstar.help]."
        ),
        click.option(
            "--max-wait",
            type=click.FloatRange(min=0),
            metavar="SECONDS",
            help="Wait out a rate limit (429) only when it asks for at most this long; "
            "otherwise stop, keep what was fetched and exit 75 [default: 120].",
        ),
        click.option(
            "--cache",
            "cache_dir",
            type=click.Path(file_okay=False, path_type=Path),
            help="Cache folder: fetched content, ETags, rendered pages, the build lock "
            "[default: SITE_DIR/.helpgen-cache].",
        ),
        click.option("--quiet", "-q", is_flag=True, help="Print only errors."),
        click.option("--verbose", "-v", is_flag=True, help="Print every API request and more."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _folder_option(flag: str, name: str, help_text: str) -> Callable[[F], F]:
    """A ``--out``/``--snapshot``/``--cache`` style option: a folder path, its own help text."""
    return click.option(flag, name, type=click.Path(file_okay=False, path_type=Path), help=help_text)


def _load(site_dir: Path, **overrides: Any) -> Config:
    try:
        return load_config(site_dir, overrides=overrides)
    except ConfigError as exc:
        _fail(str(exc), EXIT_USAGE)
        raise  # unreachable


def _require_team(config: Config) -> None:
    if not config.team:
        where = f"[cstar].team in {config.config_file}" if config.config_file else "helpgen.toml"
        _fail(f"no cStar team set: pass --team SLUG, set HELPGEN_TEAM, or set {where}", EXIT_USAGE)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="helpgen")
def main() -> None:
    """helpgen builds a static help center from a cStar knowledge base and community.

    Run `helpgen build SITE_DIR` to build a site; see `helpgen COMMAND --help`.
    """


@main.command()
@_common_options
@_folder_option("--out", "out_dir", "Output folder, replaced whole and atomically [default: SITE_DIR/_site].")
@_folder_option("--snapshot", "snapshot_dir", "Build from this local snapshot folder instead of the API (no network).")
@click.option(
    "--report",
    "report_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a JSON report: pages rendered (and why), files written/unchanged/removed, "
    "articles, posts, API requests and bytes, seconds per stage, warnings.",
)
@click.option("--full", is_flag=True, help="Render every page, ignoring what the last build published.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    help="Worker processes for search indexing and rendering [default: the number of CPU cores].",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Fail the build (exit 1) when an article, post or comment cannot be rendered as written "
    "(an error, or the parser limits); by default it is shown as plain text under a notice "
    "and reported as a warning [config: [build] strict].",
)
def build(
    site_dir: Path,
    team: str | None,
    api_url: str | None,
    max_wait: float | None,
    cache_dir: Path | None,
    out_dir: Path | None,
    snapshot_dir: Path | None,
    report_file: Path | None,
    full: bool,
    jobs: int | None,
    strict: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Build the help center in SITE_DIR (default: the current folder).

    Reads SITE_DIR/helpgen.toml when present. Content comes from --snapshot, or the
    snapshot named in helpgen.toml, or else the cStar API, fetching only what changed
    since the last run. Only pages whose inputs changed are rendered again. The new site
    is switched into --out in one step only when the whole build succeeded.

    Exit codes: 0 built; 1 failed; 2 bad usage or config; 75 try again later (rate
    limit reached before everything was fetched, another build running, SIGTERM).
    """
    _setup_logging(quiet, verbose)
    config = _load(
        site_dir,
        team=team,
        api_url=api_url,
        out_dir=out_dir,
        snapshot_dir=snapshot_dir,
        cache_dir=cache_dir,
        max_wait=max_wait,
        strict=strict or None,
    )
    if config.snapshot_dir is None:
        _require_team(config)
    kept = f"the previous site in {config.out_dir} was left as it was"
    try:
        report = build_site(config, full=full, jobs=jobs, retain=KEPT_UNTIL_EXIT)
    except ConfigError as exc:
        _fail(str(exc), EXIT_USAGE)
    except (LockHeld, ContentIncomplete) as exc:
        _fail(str(exc), EXIT_TEMPORARY)
    except BuildInterrupted as exc:
        _fail(f"{exc}; {kept}; what was fetched is kept for the next run", EXIT_TEMPORARY)
    except KeyboardInterrupt:
        _fail(f"interrupted; {kept}", EXIT_INTERRUPTED)
    except (CStarError, SnapshotError, ThemeError, PublishError, BodyRenderError, OSError) as exc:
        _fail(f"{exc}; {kept}", EXIT_BUILD_FAILED)
    else:
        _write_report(report, report_file)


def _write_report(report: BuildReport, report_file: Path | None) -> None:
    if report_file is None:
        return
    try:
        report_file.parent.mkdir(parents=True, exist_ok=True)
        report_file.write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        _fail(f"{report_file}: cannot write the report: {exc.strerror}", EXIT_BUILD_FAILED)


@main.command()
@_common_options
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to save the snapshot in (JSON in the API's own shapes).",
)
def pull(
    site_dir: Path,
    team: str | None,
    api_url: str | None,
    max_wait: float | None,
    cache_dir: Path | None,
    out_dir: Path,
    quiet: bool,
    verbose: bool,
) -> None:
    """Pull everything from the cStar API and save it as a snapshot folder.

    Like `build`, it fetches only bodies that changed since the last run (through the
    cache folder) and exits 75 when the rate limit stops it before the end. The snapshot
    can then be built without network: `helpgen build --snapshot DIR`.
    """
    _setup_logging(quiet, verbose)
    config = _load(site_dir, team=team, api_url=api_url, cache_dir=cache_dir, max_wait=max_wait)
    _require_team(config)
    report = BuildReport()
    try:
        with BuildLock(config.cache_dir):
            result = pull_content(config, report)
    except LockHeld as exc:
        _fail(str(exc), EXIT_TEMPORARY)
        return
    except CStarError as exc:
        _fail(str(exc), EXIT_BUILD_FAILED)
        return
    if not result.complete:
        _fail(str(ContentIncomplete(result)), EXIT_TEMPORARY)
        return
    snapshot = result.snapshot
    try:
        save_snapshot(snapshot, out_dir)
    except OSError as exc:
        _fail(f"{out_dir}: cannot save the snapshot: {exc}", EXIT_BUILD_FAILED)
    logging.getLogger("helpgen").info(
        "pulled %d articles and %d posts in %d API requests into %s",
        len(snapshot.articles),
        len(snapshot.threads),
        report.api_requests,
        out_dir,
    )


@main.command()
@click.argument("query")
@click.argument("site_dir", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
@_folder_option("--out", "out_dir", "The built site to search [default: the build's output, SITE_DIR/_site].")
@click.option("--limit", "-n", type=click.IntRange(min=1, max=1000), default=10, show_default=True, help="How many results.")
@click.option("--type", "kind", type=click.Choice(["article", "post"]), help="Only articles, or only community posts.")
@click.option("--category", metavar="KEY", help="Only one category (c:SLUG) or community topic (t:SLUG).")
@click.option(
    "--as-you-type",
    is_flag=True,
    help="Complete the last word as the header search box does while typing (otherwise words are whole, as on the search page).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def search(
    query: str,
    site_dir: Path,
    out_dir: Path | None,
    limit: int,
    kind: str | None,
    category: str | None,
    as_you_type: bool,
    as_json: bool,
) -> None:
    """Search a built site's index for QUERY, as the browser does, and print the ranked results.

    Reads the search index that `helpgen build` wrote into the output folder (SITE_DIR/_site,
    or --out). Scores are Whoosh's BM25F scores, as stored in the index (× 1000).
    """
    from helpgen.search import SearchIndexError, open_site_index

    config = _load(site_dir, out_dir=out_dir)
    try:
        engine = open_site_index(config.out_dir)
        result = engine.search(query, limit=limit, kind=kind, category=category, complete_last=as_you_type)
        documents = [engine.document(hit.doc) for hit in result.hits]
    except SearchIndexError as exc:
        _fail(f"{exc}; build the site first (helpgen build)", EXIT_BUILD_FAILED)
        return
    if as_json:
        click.echo(
            json.dumps(
                {
                    "query": query,
                    "mode": result.mode,
                    "words": [{"word": w.word, "terms": list(w.terms), "how": w.how} for w in result.words],
                    "results": [
                        {"rank": rank, "score": hit.score, "kind": doc.kind, "title": doc.title, "path": doc.path,
                         "category": doc.category, "status": doc.status}
                        for rank, (hit, doc) in enumerate(zip(result.hits, documents), start=1)
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    for word in result.words:
        if word.how in ("prefix", "typo"):
            click.echo(f"({word.word!r} matched {', '.join(word.terms)} as a {word.how})")
    if not documents:
        click.echo(f"no results for {query!r}")
        return
    if result.mode == "any":
        click.echo("no page has every word; pages with some of them:")
    for rank, (hit, doc) in enumerate(zip(result.hits, documents), start=1):
        what = "article" if doc.kind == "article" else f"community post, {doc.status_label or doc.status}"
        where = f", {doc.category}" if doc.category else ""
        click.echo(f"{rank:>3}. {doc.title}  [{what}{where}]  score {hit.score}")
        click.echo(f"     /{doc.path}")


@main.command()
@click.argument("site_dir", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
@_folder_option("--out", "out_dir", "The built site to check [default: the build's output, SITE_DIR/_site].")
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
def check(site_dir: Path, out_dir: Path | None, as_json: bool) -> None:
    """Check a built site for broken internal links, missing images and links to unpublished articles.

    Follows every link, image, script, stylesheet, form, redirect and #fragment of every page
    that stays inside the site, and every URL of sitemap.xml (other hosts are not fetched).
    Drafts and private articles are recognised from the site's snapshot or the build cache.
    Exits 1 when anything is broken.
    """
    from helpgen.check import check_site, unpublished_from_content

    config = _load(site_dir, out_dir=out_dir)
    if not config.out_dir.is_dir():
        _fail(f"{config.out_dir}: no built site there; build it first (helpgen build) or pass --out", EXIT_BUILD_FAILED)
    unpublished, _ = unpublished_from_content(config.snapshot_dir, config.cache_dir, config.team)
    result = check_site(config.out_dir, base_url=config.base_url, unpublished=unpublished)
    if as_json:
        click.echo(json.dumps({"pages": result.pages, "references": result.references,
                               "problems": [vars(p) for p in result.problems]}, ensure_ascii=False, indent=2))
    else:
        for problem in result.problems:
            click.echo(str(problem))
        summary = f"checked {result.pages} pages, {result.references} internal links and images"
        click.echo(f"{summary}: {len(result.problems)} problems" if result.problems else f"{summary}: no problems")
    if result.problems:
        sys.exit(EXIT_BUILD_FAILED)


@main.command()
@_common_options
@_folder_option("--out", "out_dir", "Output folder the rebuilds publish to [default: SITE_DIR/_site].")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (keep it local behind nginx).")
@click.option("--port", type=click.IntRange(0, 65535), default=8787, show_default=True, help="Port to listen on.")
@click.option("--path", "url_path", default="/webhooks/cstar", show_default=True, help="URL path cStar POSTs events to.")
@click.option(
    "--settle",
    type=click.FloatRange(min=0),
    default=1.0,
    show_default=True,
    metavar="SECONDS",
    help="Wait until events stop for this long before building, so a burst makes one build.",
)
def listen(
    site_dir: Path,
    team: str | None,
    api_url: str | None,
    max_wait: float | None,
    cache_dir: Path | None,
    out_dir: Path | None,
    host: str,
    port: int,
    url_path: str,
    settle: float,
    quiet: bool,
    verbose: bool,
) -> None:
    """Rebuild SITE_DIR when cStar sends a webhook (article or community post changed).

    Verifies each event's x-cstar-signature with the secret in HELPGEN_WEBHOOK_SECRET
    (required), refuses stale, replayed and oversized events, answers 202 at once, and
    runs `helpgen build` (same lock, incremental, atomic) once per burst of events.
    """
    from helpgen.listen import SECRET_ENV, listen as run_listener

    _setup_logging(quiet, verbose)
    secret = os.environ.get(SECRET_ENV, "")
    if not secret.strip():
        _fail(f"set {SECRET_ENV} to the webhook signing secret from cStar's dashboard", EXIT_USAGE)
    if not url_path.startswith("/"):
        _fail(f"--path: must start with '/', got {url_path!r}", EXIT_USAGE)
    config = _load(site_dir, team=team, api_url=api_url, out_dir=out_dir, cache_dir=cache_dir, max_wait=max_wait)
    if config.snapshot_dir is None:
        _require_team(config)
    options = ["--out", str(config.out_dir), "--cache", str(config.cache_dir)]
    for flag, value in (("--team", team), ("--api-url", api_url), ("--max-wait", max_wait)):
        if value is not None:
            options += [flag, str(value)]
    options += ["--quiet"] if quiet else ["--verbose"] if verbose else []
    try:
        run_listener(str(config.site_dir), options, secret, host=host, port=port, path=url_path, settle=settle)
    except OSError as exc:
        _fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}", EXIT_BUILD_FAILED)


@main.command()
@_common_options
@_folder_option(
    "--snapshot", "snapshot_dir", "Preview this local snapshot folder instead of the API (watched for changes)."
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to serve on (0: any free port).")
@click.option(
    "--drafts",
    is_flag=True,
    help="Also show draft and unpublished articles, with a \"Draft\" banner, read through cStar's "
    "admin API with CSTAR_API_KEY (sk_live_...) and CSTAR_TEAM_ID from the environment.",
)
@click.option(
    "--pull-every",
    type=click.FloatRange(min=1),
    metavar="SECONDS",
    help="Pull the API again this often and rebuild when content changed [default: pull once at start].",
)
def serve(
    site_dir: Path,
    team: str | None,
    api_url: str | None,
    max_wait: float | None,
    cache_dir: Path | None,
    snapshot_dir: Path | None,
    host: str,
    port: int,
    drafts: bool,
    pull_every: float | None,
    quiet: bool,
    verbose: bool,
) -> None:
    """Preview SITE_DIR on localhost, rebuilding and reloading the browser on every change.

    Builds like `helpgen build` (incrementally) but into a private folder
    (CACHE/serve/site), never into the published output. Watches helpgen.toml, the
    templates, static files, message catalogs, theme and snapshot; with --pull-every also
    the API. Pages reload by themselves after each rebuild.
    """
    from helpgen.content.drafts import DraftCredentialsMissing, admin_client_from_env
    from helpgen.serve import serve as run_preview

    _setup_logging(quiet, verbose)
    overrides = {
        "team": team, "api_url": api_url, "snapshot_dir": snapshot_dir, "cache_dir": cache_dir, "max_wait": max_wait,
    }
    config = _load(site_dir, **overrides)
    if config.snapshot_dir is None or drafts:
        _require_team(config)
    admin = None
    if drafts:
        try:
            admin = admin_client_from_env(config.api_url, timeout=config.timeout, max_retries=config.max_retries)
        except DraftCredentialsMissing as exc:
            _fail(str(exc), EXIT_USAGE)
    try:
        run_preview(config.site_dir, overrides, host=host, port=port, drafts=admin, pull_every=pull_every)
    except ConfigError as exc:
        _fail(str(exc), EXIT_USAGE)
    except OSError as exc:
        _fail(f"cannot serve on {host}:{port}: {exc.strerror or exc}", EXIT_BUILD_FAILED)


@main.command()
@click.argument("site_dir", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--out-report",
    "report_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for report.html and report.json [default: SITE_DIR/_report]; keep it outside the published site.",
)
@_folder_option(
    "--out",
    "out_dir",
    "The built site whose article pages are checked for broken links and missing images "
    "[default: the build's output, SITE_DIR/_site].",
)
@_folder_option(
    "--snapshot",
    "snapshot_dir",
    "Report on this snapshot folder [default: [cstar].snapshot, else the content of the last build in the cache].",
)
@_folder_option("--cache", "cache_dir", "The build's cache folder [default: SITE_DIR/.helpgen-cache].")
@click.option(
    "--fail-on",
    "fail_on",
    metavar="KIND[,KIND]",
    help="Exit 1 when any of these kinds has entries (for CI): unhelpful, stale, broken_links, "
    "missing_images, empty_categories, unanswered_questions, unique_title_words, or all.",
)
@click.option("--json", "as_json", is_flag=True, help="Also print the report as JSON.")
def report(
    site_dir: Path,
    report_dir: Path | None,
    out_dir: Path | None,
    snapshot_dir: Path | None,
    cache_dir: Path | None,
    fail_on: str | None,
    as_json: bool,
) -> None:
    """Write a content-health report of SITE_DIR's content for the team (HTML and JSON).

    Lists the most viewed articles readers do not find helpful, popular articles not updated
    for months, articles with broken links or missing images, empty categories, popular
    community questions without an official answer, and titles with words that appear
    nowhere else. Thresholds: [report] in helpgen.toml. Nothing is published.
    """
    from helpgen.content.cache import ContentCache
    from helpgen.content.snapshot import load_snapshot
    from helpgen.health.checks import KINDS, content_health
    from helpgen.health.output import report_json, write_report

    kinds: list[str] = []
    if fail_on:
        kinds = [k.strip() for k in fail_on.split(",") if k.strip()]
        if "all" in kinds:
            kinds = list(KINDS)
        unknown = [k for k in kinds if k not in KINDS]
        if unknown:
            _fail(f"--fail-on: unknown kind {unknown[0]!r} (known: {', '.join(KINDS)}, all)", EXIT_USAGE)
    config = _load(site_dir, out_dir=out_dir, snapshot_dir=snapshot_dir, cache_dir=cache_dir)
    cache = ContentCache(config.cache_dir)
    try:
        if config.snapshot_dir is not None:
            snapshot = load_snapshot(config.snapshot_dir, team=config.team)
        else:
            cached = cache.load_content(config.team)
            if cached is None:
                _fail(
                    f"no content to report on: {config.cache_dir} has no content from a build; "
                    "run helpgen build first or pass --snapshot DIR",
                    EXIT_BUILD_FAILED,
                )
            snapshot = cached  # type: ignore[assignment]
    except SnapshotError as exc:
        _fail(str(exc), EXIT_BUILD_FAILED)
    health = content_health(
        snapshot,
        config.report,
        site_dir=config.out_dir,
        base_url=config.base_url,
        term_cache=cache.search_terms,
        roadmap_topics=config.roadmap_topics,
    )
    folder = report_dir.resolve() if report_dir is not None else config.site_dir / "_report"
    if folder == config.out_dir or config.out_dir in folder.parents:
        _fail(f"--out-report {folder} is inside the published site {config.out_dir}; pick a folder outside it", EXIT_USAGE)
    try:
        json_path, html_path = write_report(health, folder, config.base_url)
    except OSError as exc:
        _fail(f"cannot write the report to {folder}: {exc.strerror or exc}", EXIT_BUILD_FAILED)
    if as_json:
        click.echo(report_json(health), nl=False)
    else:
        for kind, heading in KINDS.items():
            click.echo(f"{health.count(kind):>4}  {kind}: {heading}")
        for note in health.notes:
            click.echo(f"note: {note}")
        click.echo(f"wrote {html_path} and {json_path}")
    failing = [k for k in kinds if health.count(k)]
    if failing:
        click.echo(
            "helpgen: report: " + ", ".join(f"{health.count(k)} {k}" for k in failing) + " (--fail-on)", err=True
        )
        sys.exit(EXIT_BUILD_FAILED)


@main.command()
@click.argument("directory", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", help="The site's title [asked on a terminal; default: Help Center].")
@click.option("--team", help="Your cStar team slug or UUID [asked on a terminal; default: none].")
@click.option("--base-url", metavar="URL", help="The site's public address [asked on a terminal; default: none].")
def init(directory: Path, title: str | None, team: str | None, base_url: str | None) -> None:
    """Start a new site in DIRECTORY: a commented helpgen.toml and an empty templates/ folder.

    On a terminal it asks for the title, team and public address (Enter keeps the default);
    otherwise (scripts, CI) it asks nothing and uses the flags and defaults. It never
    overwrites an existing helpgen.toml (exit 2).
    """
    from helpgen.scaffold import SiteAnswers, SiteExists, create_site

    if (directory / "helpgen.toml").exists():
        _fail(f"{directory / 'helpgen.toml'} already exists; helpgen init never overwrites it", EXIT_USAGE)
    defaults = SiteAnswers()
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    if interactive:
        title = title if title is not None else click.prompt("Site title", default=defaults.title)
        team = team if team is not None else click.prompt("cStar team slug or UUID", default="", show_default=False)
        base_url = base_url if base_url is not None else click.prompt(
            "Public address (e.g. https://help.example.com/)", default="", show_default=False
        )
    answers = SiteAnswers(
        title=title or defaults.title, team=(team or "").strip(), base_url=(base_url or "").strip()
    )
    if answers.base_url and not answers.base_url.startswith(("http://", "https://")):
        _fail(f"--base-url: expected an http(s) URL, got {answers.base_url!r}", EXIT_USAGE)
    try:
        created = create_site(directory, answers)
    except SiteExists as exc:
        _fail(str(exc), EXIT_USAGE)
        return
    except OSError as exc:
        _fail(f"{directory}: cannot create the site: {exc.strerror or exc}", EXIT_BUILD_FAILED)
        return
    for path in created:
        click.echo(f"created {path}{'/' if path.is_dir() else ''}")
    where = "" if directory == Path(".") else f" {directory}"
    click.echo(f"next: edit helpgen.toml, then run `helpgen build{where}` (or `helpgen serve{where}` to preview)")
