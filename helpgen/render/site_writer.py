"""Render the pages whose inputs changed into the staged site, across worker processes.

For each page: compute its fingerprint (``render.fingerprints``); if the last build
published the same page from the same inputs, carry its file over; otherwise render the
template (rendering the Markdown bodies it prints, through the body cache) and write it.

After an earlier build, the build process first compares every page's fingerprint itself
(:func:`_decide`: no Markdown is rendered, a page with new bodies is left to the render loop),
so an incremental build hands the render loop only the pages that changed. With ``jobs > 1``
(and 400 pages or more) one forked worker makes the site's other files (sitemap, feeds, llms
files) meanwhile, and the render loop's pages are split into chunks handled by the forked
workers (unless there are fewer than :data:`RENDER_HERE`). Forking hands
every worker the planned pages, the Jinja environment (with its compiled templates) and the
body cache without pickling them; workers write straight into the staging folder and send
back only what the parent must remember: page records, render reasons, new body renders and
warnings. The output is byte-identical whatever the number of workers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import jinja2

from helpgen import progress
from helpgen.publish import StagedSite
from helpgen.render.bodies import BodyNotRendered, BodyRenderer
from helpgen.render.fingerprints import BuildManifest, Fingerprinter, PageRecord, TemplateHasher
from helpgen.render.pages import Page, SiteSettings
from helpgen.render.paths import output_file
from helpgen.render.templates import AssetManifest, page_helpers, render_template
from helpgen.workers import can_fork, fork_pool

__all__ = ["RenderPlan", "RenderOutcome", "render_pages", "default_jobs", "keep_compiled_templates"]

# Below this many pages, starting worker processes costs more than it saves.
MIN_PAGES_PER_WORKER = 200
# Once the workers are there, fewer pages than this to render are rendered by the build process.
RENDER_HERE = 16
CHUNK = 64


def keep_compiled_templates(env: jinja2.Environment, folder: Path) -> None:
    """Keep ``env``'s compiled templates in ``folder`` between builds.

    Compiling a theme's templates costs more than rendering the few pages an incremental
    build renders, and each worker would compile them again. Jinja checks every cached
    template against its source (and its own and Python's version) before using it.
    """
    folder.mkdir(parents=True, exist_ok=True)
    env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(folder))


def default_jobs() -> int:
    """The number of CPU cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


@dataclass
class RenderPlan:
    """Everything the page loop needs; inherited by forked workers as it is."""

    pages: list[Page]
    env: jinja2.Environment
    templates: TemplateHasher
    assets: AssetManifest
    settings: SiteSettings
    settings_hash: str
    previous: BuildManifest
    out_dir: Path
    base_path: str
    renderer: BodyRenderer
    staged: StagedSite
    warnings: list[str]
    fingerprints: Fingerprinter = field(default_factory=Fingerprinter)


@dataclass
class RenderOutcome:
    """What rendering did, merged over all workers, in page order."""

    records: dict[str, PageRecord] = field(default_factory=dict)
    rendered: list[dict[str, str]] = field(default_factory=list)
    pages_unchanged: int = 0
    files_written: int = 0
    files_unchanged: int = 0
    bytes_written: int = 0
    paths: set[str] = field(default_factory=set)
    new_warnings: list[str] = field(default_factory=list)
    alongside: list[str] = field(default_factory=list)  # the site paths of the files ``alongside`` made


@dataclass
class _ChunkResult:
    pid: int  # the process that wrote it: a forked worker's counts are added to the parent's
    files_written: int
    files_unchanged: int
    bytes_written: int
    paths: set[str]
    records: list[tuple[int, str, PageRecord]] = field(default_factory=list)
    rendered: list[tuple[int, str, str]] = field(default_factory=list)
    unchanged: int = 0
    bodies: list[tuple[str, Any]] = field(default_factory=list)
    used: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)


@dataclass
class _StagedMark:
    """The staged site's counts before some work, to tell what that work wrote."""

    files_written: int
    files_unchanged: int
    bytes_written: int
    paths: set[str]

    @classmethod
    def of(cls, staged: StagedSite) -> "_StagedMark":
        return cls(staged.files_written, staged.files_unchanged, staged.bytes_written, set(staged.paths))

    def since(self, staged: StagedSite) -> dict[str, Any]:
        """What was written since the mark, as :class:`_ChunkResult` fields."""
        return {
            "pid": os.getpid(),
            "files_written": staged.files_written - self.files_written,
            "files_unchanged": staged.files_unchanged - self.files_unchanged,
            "bytes_written": staged.bytes_written - self.bytes_written,
            "paths": staged.paths - self.paths,
        }


# A page for the render loop: its index, and its record and reason when already decided
# (None, None: fingerprint it first, which may render its bodies).
_Task = tuple[int, "PageRecord | None", "str | None"]


def _reason_to_render(plan: RenderPlan, site_file: str, record: PageRecord) -> str | None:
    """Why the page with ``record`` must be rendered; None when the published file is carried
    over into the staged site."""
    reason = plan.previous.reason_to_render(site_file, record, plan.settings_hash, plan.out_dir)
    if reason is None and plan.staged.keep(site_file):
        return None
    return reason or "published file missing"


def _decide(plan: RenderPlan, bar: progress.StageBar | None) -> tuple[list[tuple[int, str, PageRecord]], list[_Task]]:
    """Compare every page's fingerprint with the last build's, here, without rendering.

    Returns the records of the pages carried over and the pages still to render. A page
    whose bodies are new (never rendered, so their links are not known) is left to the render
    loop undecided: it is rendered anyway, in parallel.
    """
    kept: list[tuple[int, str, PageRecord]] = []
    todo: list[_Task] = []
    page_record = plan.fingerprints.page_record
    earlier = plan.previous.pages
    with plan.renderer.known_bodies_only():
        for index, page in enumerate(plan.pages):
            site_file = output_file(page.path)
            try:
                record = page_record(page, plan.settings_hash, plan.templates.hash_for(page.template), earlier.get(site_file))
            except BodyNotRendered:
                todo.append((index, None, None))
                continue
            reason = _reason_to_render(plan, site_file, record)
            if reason is None:
                kept.append((index, site_file, record))
                if bar is not None:
                    bar.advance()
            else:
                todo.append((index, record, reason))
    return kept, todo


def _pages_to_render(plan: RenderPlan, bar: progress.StageBar | None) -> tuple[list[tuple[int, str, PageRecord]], list[_Task]]:
    """:func:`_decide` after an earlier build that can have published pages still right
    (same output folder and settings); otherwise every page, undecided."""
    previous = plan.previous
    if previous.pages and previous.out_dir == str(plan.out_dir) and previous.settings == plan.settings_hash:
        return _decide(plan, bar)
    return [], [(index, None, None) for index in range(len(plan.pages))]


def _render_chunk(plan: RenderPlan, tasks: Sequence[_Task], bar: progress.StageBar | None = None) -> _ChunkResult:
    mark = _StagedMark.of(plan.staged)
    warnings_before = len(plan.warnings)
    used_before = set(plan.renderer.used)
    records: list[tuple[int, str, PageRecord]] = []
    rendered: list[tuple[int, str, str]] = []
    unchanged = 0
    for index, record, reason in tasks:
        page = plan.pages[index]
        site_file = output_file(page.path)
        if record is None:
            record = plan.fingerprints.page_record(page, plan.settings_hash, plan.templates.hash_for(page.template))
            reason = _reason_to_render(plan, site_file, record)
            if reason is None:
                unchanged += 1
        if reason is not None:
            absolute = plan.base_path if page.kind == "not_found" else None
            context = {
                "site": plan.settings,
                "page": page,
                **page.context,
                **page_helpers(page.path, plan.assets, absolute_base=absolute),
            }
            html = render_template(plan.env, page.template, context)
            plan.staged.write(site_file, html.encode("utf-8"))
            rendered.append((index, site_file, reason))
        records.append((index, site_file, record))
        if bar is not None:
            bar.advance()
    return _ChunkResult(
        **mark.since(plan.staged),
        records=records,
        rendered=rendered,
        unchanged=unchanged,
        bodies=plan.renderer.cache.take_new(),
        used=plan.renderer.used - used_before,
        warnings=plan.warnings[warnings_before:],
    )


def _write_files(staged: StagedSite, make: Callable[[], dict[str, bytes]]) -> _ChunkResult:
    """Make the site's other files (``make()``: {site path: bytes}) and write them into ``staged``."""
    mark = _StagedMark.of(staged)
    for site_path, data in make().items():
        staged.write(site_path, data)
    return _ChunkResult(**mark.since(staged))


_PLAN: RenderPlan | None = None  # set in the parent just before forking the workers
_ALONGSIDE: Callable[[], dict[str, bytes]] | None = None
_MEANWHILE: Callable[[], None] | None = None


def _worker_chunk(tasks: Sequence[_Task]) -> _ChunkResult:
    assert _PLAN is not None
    return _render_chunk(_PLAN, tasks)


def _worker_files() -> _ChunkResult:
    assert _PLAN is not None and _ALONGSIDE is not None
    return _write_files(_PLAN.staged, _ALONGSIDE)


def _worker_meanwhile() -> None:
    assert _MEANWHILE is not None
    _MEANWHILE()


def _chunks(tasks: list[_Task], size: int) -> Iterable[list[_Task]]:
    return (tasks[start : start + size] for start in range(0, len(tasks), size))


def render_pages(
    plan: RenderPlan,
    jobs: int,
    alongside: Callable[[], dict[str, bytes]] | None = None,
    meanwhile: Callable[[], None] | None = None,
) -> RenderOutcome:
    """Render what changed into ``plan.staged``; carry the rest over. Deterministic output.

    After an earlier build, this process first compares every page's fingerprint with the
    last build's (cheap: no Markdown is rendered); only the pages that changed, or whose
    bodies are new, go to the render loop, in forked workers (a few are rendered here).
    Forked workers each fingerprint every page they are handed again and pay copy-on-write for
    the heap they touch, so comparing in one process costs less than comparing in several.

    ``alongside``: the site's other files that do not change the pages (the sitemap, feeds,
    llms files), as ``{site path: bytes}``; made in a forked worker while this process
    compares and renders (here, after the pages, without forking), and written into
    ``plan.staged``. :attr:`RenderOutcome.alongside` lists their site paths.

    ``meanwhile``: other work that needs nothing this stage makes and changes nothing it reads
    (saving the build's caches), run by another forked worker while this process compares
    pages (here, after the pages, without forking); its exceptions are raised here.
    """
    global _PLAN, _ALONGSIDE, _MEANWHILE
    total = len(plan.pages)
    for template in sorted({page.template for page in plan.pages}):
        plan.templates.hash_for(template)  # once, here: forked workers inherit the hashes
    forking = jobs > 1 and total >= 2 * MIN_PAGES_PER_WORKER and can_fork()
    results: list[_ChunkResult] = []
    with progress.stage("render", total=total, unit="pages") as bar:
        if not forking:
            kept, todo = _pages_to_render(plan, bar)
            results.append(_render_chunk(plan, todo, bar))
            files = _write_files(plan.staged, alongside) if alongside is not None else None
            if meanwhile is not None:
                meanwhile()
        else:
            _PLAN, _ALONGSIDE, _MEANWHILE = plan, alongside, meanwhile
            try:
                # The pool forks now, before this process's fingerprints fill its memory.
                workers = min(jobs, max(2, total // MIN_PAGES_PER_WORKER))
                with fork_pool(workers) as pool:
                    side = pool.apply_async(_worker_files) if alongside is not None else None
                    other = pool.apply_async(_worker_meanwhile) if meanwhile is not None else None
                    kept, todo = _pages_to_render(plan, bar)
                    if len(todo) < RENDER_HERE:
                        results.append(_render_chunk(plan, todo, bar))
                    else:  # chunks small enough to keep every worker busy to the end
                        size = max(1, min(CHUNK, len(todo) // (4 * workers)))
                        for result in pool.imap_unordered(_worker_chunk, _chunks(todo, size)):
                            results.append(result)
                            bar.advance(len(result.records))
                    files = side.get() if side is not None else None
                    if other is not None:
                        other.get()
            finally:
                _PLAN = _ALONGSIDE = _MEANWHILE = None
    outcome = _merge(plan, results + ([files] if files is not None else []), kept)
    outcome.alongside = sorted(files.paths) if files is not None else []
    return outcome


def _merge(plan: RenderPlan, results: list[_ChunkResult], kept: list[tuple[int, str, PageRecord]]) -> RenderOutcome:
    outcome = RenderOutcome(pages_unchanged=len(kept))
    staged = plan.staged
    here = os.getpid()
    records = list(kept)
    rendered: list[tuple[int, str, str]] = []
    for result in results:
        records.extend(result.records)
        rendered.extend(result.rendered)
        outcome.pages_unchanged += result.unchanged
        outcome.files_written += result.files_written
        outcome.files_unchanged += result.files_unchanged
        outcome.bytes_written += result.bytes_written
        outcome.paths |= result.paths
        for key, entry in result.bodies:
            plan.renderer.cache.put(key, entry)
        plan.renderer.used |= result.used
        for warning in result.warnings:
            if warning not in plan.warnings and warning not in outcome.new_warnings:
                outcome.new_warnings.append(warning)
        if result.pid != here:
            # A worker wrote through its own copy of the staged site: bring the parent's up to date.
            staged.paths |= result.paths
            staged.files_written += result.files_written
            staged.files_unchanged += result.files_unchanged
            staged.bytes_written += result.bytes_written
    records.sort(key=lambda item: item[0])
    outcome.records = {site_file: record for _, site_file, record in records}
    rendered.sort(key=lambda item: item[0])
    outcome.rendered = [{"page": site_file, "reason": reason} for _, site_file, reason in rendered]
    return outcome
