"""The ``helpgen`` command: parse flags, call the library, map errors to exit codes.

Exit codes: 0 success; 1 the build failed (the message names the endpoint and status, the
file, or the slug); 2 bad usage or configuration.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any, Callable, TypeVar

import click

from helpgen import __version__
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

F = TypeVar("F", bound=Callable[..., Any])


def _setup_logging(quiet: bool, verbose: bool) -> None:
    level = logging.ERROR if quiet else logging.DEBUG if verbose else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
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
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder, replaced whole and atomically [default: SITE_DIR/_site].",
)
@click.option(
    "--snapshot",
    "snapshot_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Build from this local snapshot folder instead of the API (no network).",
)
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
    help="Worker processes for rendering [default: the number of CPU cores].",
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
        report = build_site(config, full=full, jobs=jobs)
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
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The built site to search [default: the build's output, SITE_DIR/_site].",
)
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
