"""Render the pages whose inputs changed into the staged site, across worker processes.

For each page: compute its fingerprint (``render.fingerprints``); if the last build
published the same page from the same inputs, carry its file over; otherwise render the
template (rendering the Markdown bodies it prints, through the body cache) and write it.

With ``jobs > 1`` the pages are split into chunks handled by forked worker processes. Forking
hands every worker the planned pages, the Jinja environment (with its compiled templates)
and the body cache without pickling them; workers write straight into the staging folder
and send back only what the parent must remember: page records, render reasons, new body
renders and warnings. The output is byte-identical whatever the number of workers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import jinja2

from helpgen import progress
from helpgen.publish import StagedSite
from helpgen.render.bodies import BodyRenderer
from helpgen.render.fingerprints import BuildManifest, Fingerprinter, PageRecord, TemplateHasher
from helpgen.render.pages import Page, SiteSettings
from helpgen.render.paths import output_file
from helpgen.render.templates import AssetManifest, page_helpers, render_template
from helpgen.workers import can_fork, fork_pool

__all__ = ["RenderPlan", "RenderOutcome", "render_pages", "default_jobs", "keep_compiled_templates"]

# Below this many pages, starting worker processes costs more than it saves.
MIN_PAGES_PER_WORKER = 200
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
    alongside: Any = None  # what ``render_pages(..., alongside=f)`` got from ``f()``


@dataclass
class _ChunkResult:
    first: int
    records: list[tuple[str, PageRecord]]
    rendered: list[tuple[int, str, str]]
    unchanged: int
    files_written: int
    files_unchanged: int
    bytes_written: int
    paths: set[str]
    bodies: list[tuple[str, Any]]
    used: set[str]
    warnings: list[str]


def _render_chunk(plan: RenderPlan, indices: range, bar: progress.StageBar | None = None) -> _ChunkResult:
    staged = plan.staged
    counters = (staged.files_written, staged.files_unchanged, staged.bytes_written)
    paths_before = set(staged.paths)
    warnings_before = len(plan.warnings)
    used_before = set(plan.renderer.used)
    records: list[tuple[str, PageRecord]] = []
    rendered: list[tuple[int, str, str]] = []
    unchanged = 0
    for index in indices:
        page = plan.pages[index]
        site_file = output_file(page.path)
        record = plan.fingerprints.page_record(page, plan.settings_hash, plan.templates.hash_for(page.template))
        reason = plan.previous.reason_to_render(site_file, record, plan.settings_hash, plan.out_dir)
        if reason is None and staged.keep(site_file):
            unchanged += 1
        else:
            absolute = plan.base_path if page.kind == "not_found" else None
            context = {
                "site": plan.settings,
                "page": page,
                **page.context,
                **page_helpers(page.path, plan.assets, absolute_base=absolute),
            }
            html = render_template(plan.env, page.template, context)
            staged.write(site_file, html.encode("utf-8"))
            rendered.append((index, site_file, reason or "published file missing"))
        records.append((site_file, record))
        if bar is not None:
            bar.advance()
    return _ChunkResult(
        first=indices.start,
        records=records,
        rendered=rendered,
        unchanged=unchanged,
        files_written=staged.files_written - counters[0],
        files_unchanged=staged.files_unchanged - counters[1],
        bytes_written=staged.bytes_written - counters[2],
        paths=staged.paths - paths_before,
        bodies=plan.renderer.cache.take_new(),
        used=plan.renderer.used - used_before,
        warnings=plan.warnings[warnings_before:],
    )


_PLAN: RenderPlan | None = None  # set in the parent just before forking the workers


def _worker_chunk(bounds: tuple[int, int]) -> _ChunkResult:
    assert _PLAN is not None
    return _render_chunk(_PLAN, range(*bounds))


def _chunks(total: int, size: int) -> Iterable[tuple[int, int]]:
    return ((start, min(start + size, total)) for start in range(0, total, size))


def render_pages(plan: RenderPlan, jobs: int, alongside: Callable[[], Any] | None = None) -> RenderOutcome:
    """Render what changed into ``plan.staged``; carry the rest over. Deterministic output.

    ``alongside``: other work of the build that does not change the pages (the sitemap, feeds
    and llms files), run in this process while the workers render, so an incremental build,
    where workers mostly compare fingerprints, does not wait for it afterwards; its result
    is :attr:`RenderOutcome.alongside`.
    """
    global _PLAN
    total = len(plan.pages)
    workers = max(1, min(jobs, total // MIN_PAGES_PER_WORKER))
    for template in sorted({page.template for page in plan.pages}):
        plan.templates.hash_for(template)  # once, here: forked workers inherit the hashes
    with progress.stage("render", total=total, unit="pages") as bar:
        if workers == 1 or not can_fork():
            results = [_render_chunk(plan, range(total), bar)]
            extra = alongside() if alongside is not None else None
        else:
            _PLAN = plan
            try:
                with fork_pool(workers) as pool:
                    chunks = pool.imap_unordered(_worker_chunk, _chunks(total, CHUNK))  # workers start now
                    extra = alongside() if alongside is not None else None
                    results = []
                    for result in chunks:
                        results.append(result)
                        bar.advance(len(result.records))
            finally:
                _PLAN = None
            outcome = _merge(plan, sorted(results, key=lambda r: r.first), in_workers=True)
            outcome.alongside = extra
            return outcome
    outcome = _merge(plan, results, in_workers=False)
    outcome.alongside = extra
    return outcome


def _merge(plan: RenderPlan, results: list[_ChunkResult], *, in_workers: bool) -> RenderOutcome:
    outcome = RenderOutcome()
    staged = plan.staged
    for result in results:
        outcome.records.update(result.records)
        outcome.rendered.extend({"page": page, "reason": reason} for _, page, reason in result.rendered)
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
    if in_workers:
        # Workers wrote through their own copies of the staged site: bring the parent's up to date.
        staged.paths |= outcome.paths
        staged.files_written += outcome.files_written
        staged.files_unchanged += outcome.files_unchanged
        staged.bytes_written += outcome.bytes_written
    return outcome
