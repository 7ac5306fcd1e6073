"""The search export of a build, recomputed only where documents changed since the last one.

:func:`export_search` gives exactly the bytes of a clean :func:`~helpgen.search.export.export_analyzed`
of the same documents; the cache only decides how much of it is recomputed. The last export's
state (:class:`ExportState`: the documents' numbering, content keys and usage multipliers,
the collection counts, and each term's integer postings (best first), shard entry and
posting files) is
kept in the build cache folder (``search-export/state.frames``, written atomically by
:meth:`ExportCache.save`).

Why an edit is cheap: a (term, document) score depends on the document's own fields and
usage multiplier, on the term's per-field document frequencies, and on the collection key
(:attr:`~helpgen.search._whoosh.BM25FStatistics.key`: the number of documents and the
*quantised* average field lengths, which one edit rarely moves). So when the numbering and
the key are unchanged, only the terms of the documents that changed (their old and their new
version) can have other postings, and of those:

* a term whose (quantised) per-field document frequencies are unchanged keeps every other
  document's score: the changed documents' postings are replaced, the rest are kept;
* a term whose quantised document frequency moved in a field that other documents hold it
  in has the postings of the documents holding it in that field scored again (they are
  among its previous postings). Quantised, this is rare for a frequent field.

A term whose postings come out equal keeps its entry and posting files; one whose postings
changed is written again, re-using the bytes of each tier and block whose postings did not
(:class:`~helpgen.search.export.EarlierFiles`: known from where the changed postings rank and
which documents they belong to, without comparing postings). The changed postings are moved
into place in the kept best-first order, so a term is not sorted again unless its idf moved.
This runs in the build process (see :data:`MIN_UPDATE_POSTINGS_PER_WORKER`).
Anything else (no or damaged cache, ``--full``, other settings, documents added, removed or
renumbered, another collection key, an old version of a changed document that the term cache
no longer holds, more than :data:`MAX_CHANGED_SHARE` of the documents changed) is a full
export, never an error.
"""

from __future__ import annotations

import bisect
import dataclasses
import logging
import marshal
import os
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpgen.atomic import atomic_file
from helpgen.search._whoosh import FIELD_NAMES, quantised
from helpgen.search.export import (
    DOC_GROUP,
    FORMAT,
    POSTING_BYTES,
    TERM_GROUP,
    EarlierFiles,
    ExportedIndex,
    IndexSettings,
    RankedColumns,
    TermOutput,
    assemble,
    integer_score,
    multipliers_of,
    order_documents,
    rank_key,
    record_bytes,
    term_output,
    term_outputs,
)
from helpgen.search.terms import ANALYSIS_VERSION, AnalyzedDocument, DocumentScorer
from helpgen.search.titles import title_key
from helpgen.workers import can_fork, fork_pool
from helpgen.search._collector import collector_paused

__all__ = ["ExportCache", "ExportState", "export_search", "STATE_VERSION"]

log = logging.getLogger("helpgen.search")

STATE_VERSION = 3
"""Bump when :class:`ExportState`, the meaning of a term's output or the file's framing changes."""

MIN_UPDATE_POSTINGS_PER_WORKER = 2_000_000
"""Below this many postings of dirty terms per worker, an update runs in the build process.

Updating a term is quick (its changed postings, then encoding the tiers and blocks that
moved), while a forked worker of a large build process copies every memory page it touches
and sends its files back: at 10,000 articles one rewritten article (about 1.2 million
postings of dirty terms) took 0.45 s in the process and over 1 s in two workers."""

FEW_CHANGES = 16
"""Up to this many changed documents, each is moved into its place in a term's best-first
postings; more, and the term's postings are sorted again (nearly in order: quick)."""

MAX_CHANGED_SHARE = 0.125
"""Above this share of changed documents (a new usage boost, a mass edit), export in full."""

_BODY = "body"  # the one field most documents hold most terms in
_PART_BYTES = 4 << 20  # about this many bytes of term outputs per marshal part of the state file
_FRAME_LENGTH = 8  # bytes of each part's length (little-endian) before its marshal bytes


def _parts(terms: Mapping[str, TermOutput]) -> list[list[tuple[str, TermOutput]]]:
    parts: list[list[tuple[str, TermOutput]]] = [[]]
    size = 0
    for item in terms.items():
        if size > _PART_BYTES:
            parts.append([])
            size = 0
        parts[-1].append(item)
        postings, entry, files = item[1]
        size += len(postings) + len(entry) + sum(len(data) for _, data in files)
    return parts


@dataclass(frozen=True)
class ExportState:
    """What an export was made of, enough to update it: see the module docstring.

    ``doc_freq`` (per field, term → documents) and ``field_lengths`` are the collection
    counts; ``terms`` maps every term to its :data:`~helpgen.search.export.TermOutput`;
    ``records`` and ``title_keys`` are each document's record (JSON) and title key.
    """

    settings: tuple[Any, ...]
    paths: tuple[str, ...]
    keys: tuple[str, ...]
    multipliers: tuple[float, ...] | None
    stats_key: tuple[Any, ...]
    field_lengths: dict[str, int]
    doc_freq: dict[str, dict[str, int]]
    terms: dict[str, TermOutput]
    records: tuple[bytes, ...]
    title_keys: tuple[str | None, ...]

    def header(self) -> tuple[Any, ...]:
        """Everything but :attr:`terms`, as marshal values."""
        return (
            self.settings,
            self.paths,
            self.keys,
            self.multipliers,
            self.stats_key,
            self.field_lengths,
            self.doc_freq,
            self.records,
            self.title_keys,
        )

    @classmethod
    def from_header(cls, header: Sequence[Any], terms: dict[str, TermOutput]) -> ExportState:
        settings, paths, keys, multipliers, stats_key, field_lengths, doc_freq, records, title_keys = header
        return cls(settings, paths, keys, multipliers, stats_key, field_lengths, doc_freq, terms, records, title_keys)


def _settings_key(settings: IndexSettings) -> tuple[Any, ...]:
    return (STATE_VERSION, ANALYSIS_VERSION, FORMAT, TERM_GROUP, DOC_GROUP, dataclasses.astuple(settings))


class ExportCache:
    """The last export's :class:`ExportState` in a cache folder (``None``: no cache).

    A missing, unreadable or damaged file is no state (a full export, with a warning when it
    was there but unreadable). :meth:`save` writes the state of the last :func:`export_search`
    atomically (nothing when it is the cached state: no document or multiplier changed); call
    it only once the site built from that export is published. ``updated`` tells whether the
    last export was an update of the cached one (False: a full export).

    The file is a series of frames, each a part's length (:data:`_FRAME_LENGTH` bytes) and its
    marshal bytes: first ``(STATE_VERSION, header, number of parts)``, then the parts of
    :attr:`ExportState.terms` (about :data:`_PART_BYTES` each). A part is read whole and
    decoded with ``marshal.loads``: ``marshal.load`` on a file calls its ``readinto`` for every
    object, which took 0.12 s instead of 0.045 s at 10,000 articles; and only one part's bytes
    are in memory at a time. (Versions 2 and before were one ``marshal.dump`` after another
    in ``state.marshal``: :meth:`save` removes that file.)
    """

    FILE = "state.frames"
    LEGACY_FILE = "state.marshal"

    def __init__(self, folder: Path | None, *, fresh: bool = False) -> None:
        self.folder = folder
        self.fresh = fresh  # a full build: do not read the cache (it is still written)
        self.pending: ExportState | None = None
        self.updated = False

    def load(self) -> ExportState | None:
        """The cached state; None when there is none, or another version's, or it is damaged."""
        if self.folder is None or self.fresh:
            return None
        path = self.folder / self.FILE
        try:
            with path.open("rb") as fh:
                # Frame by frame, so the file's bytes and its objects are never in memory at once.
                version, header, parts = marshal.loads(_read_frame(fh))
                if version != STATE_VERSION:
                    return None
                terms: dict[str, TermOutput] = {}
                for _ in range(parts):
                    terms.update(marshal.loads(_read_frame(fh)))
                if fh.read(1):
                    raise ValueError("data after the last part")
            return ExportState.from_header(header, terms)
        except FileNotFoundError:
            return None
        except (EOFError, ValueError, TypeError) as exc:
            log.warning("search export cache %s is damaged (%s); the index is exported in full", path, exc)
            return None
        except OSError as exc:
            log.warning("search export cache %s is unreadable (%s); the index is exported in full", path, exc)
            return None

    def save(self) -> None:
        """Write the pending state (if any) atomically."""
        if self.folder is None or self.pending is None:
            return
        with atomic_file(self.folder / self.FILE, "wb") as fh:
            parts = _parts(self.pending.terms)
            _write_frame(fh, marshal.dumps((STATE_VERSION, self.pending.header(), len(parts))))
            for part in parts:  # in parts: no second copy of the whole state in memory
                _write_frame(fh, marshal.dumps(part))
        (self.folder / self.LEGACY_FILE).unlink(missing_ok=True)  # an earlier version's state
        self.pending = None


def _read_frame(fh: Any) -> bytes:
    """The next frame's bytes (see :class:`ExportCache`); ValueError when the file ends early
    (a damaged length is never read as an allocation of that size)."""
    head = fh.read(_FRAME_LENGTH)
    length = int.from_bytes(head, "little")
    if len(head) != _FRAME_LENGTH or length > os.fstat(fh.fileno()).st_size - fh.tell():
        raise ValueError("the file ends inside a part")
    return fh.read(length)


def _write_frame(fh: Any, data: bytes) -> None:
    fh.write(len(data).to_bytes(_FRAME_LENGTH, "little"))
    fh.write(data)


def export_search(
    documents: Sequence[AnalyzedDocument],
    cache: ExportCache,
    *,
    earlier_documents: Mapping[str, Sequence[Any]] | None = None,
    settings: IndexSettings = IndexSettings(),
    jobs: int = 1,
    boosts: Mapping[str, float] | None = None,
) -> tuple[ExportedIndex, DocumentScorer]:
    """The index files of ``documents`` (byte for byte :func:`export_analyzed`'s) and the
    collection's :class:`DocumentScorer`, updated from ``cache``'s last export where it can be.

    ``earlier_documents`` maps content keys to analysed documents in their marshal form
    (:attr:`TermCache.entries <helpgen.search.terms.TermCache.entries>`): the previous versions
    of changed documents are looked up there. The new state is left in ``cache.pending``
    (None when it is the cached state: nothing to save).
    """
    with collector_paused():  # the state's and the update's many plain objects hold no cycles
        return _export_search(documents, cache, earlier_documents, settings, jobs, boosts)


def _export_search(
    documents: Sequence[AnalyzedDocument],
    cache: ExportCache,
    earlier_documents: Mapping[str, Sequence[Any]] | None,
    settings: IndexSettings,
    jobs: int,
    boosts: Mapping[str, float] | None,
) -> tuple[ExportedIndex, DocumentScorer]:
    ordered = order_documents(documents)
    multipliers = multipliers_of(ordered, boosts)
    settings_key = _settings_key(settings)
    previous = cache.load()
    result = None
    if previous is not None and previous.settings == settings_key:
        result = _update(previous, ordered, multipliers, settings, earlier_documents or {}, jobs)
    # A document's record and title key follow from its content key (which hashes its path).
    same = previous is not None and len(previous.keys) == len(ordered)
    records: list[bytes] = []
    title_keys: list[str | None] = []
    for number, doc in enumerate(ordered):
        if same and doc.key and doc.key == previous.keys[number]:  # type: ignore[union-attr]
            records.append(previous.records[number])  # type: ignore[union-attr]
            title_keys.append(previous.title_keys[number])  # type: ignore[union-attr]
        else:
            records.append(record_bytes(doc))
            title_keys.append(title_key(doc.record[0]))
    cache.updated = result is not None
    if previous is not None and result is None:
        log.info("search: exporting every term again (the cached export does not apply to these documents)")
    if result is None:
        scorer = DocumentScorer(ordered)
        outputs = term_outputs(ordered, settings, jobs, multipliers=multipliers, scorer=scorer)
    else:
        scorer, outputs = result
    keys = tuple(doc.key for doc in ordered)
    multiplier_tuple = tuple(multipliers) if multipliers is not None else None
    if result is not None and keys == previous.keys and multiplier_tuple == previous.multipliers:  # type: ignore[union-attr]
        cache.pending = None  # the same documents and multipliers: the cached state is this export's
    else:
        cache.pending = ExportState(
            settings=settings_key,
            paths=tuple(doc.path for doc in ordered),
            keys=keys,
            multipliers=multiplier_tuple,
            stats_key=scorer.stats.key,
            field_lengths=dict(scorer.field_lengths),
            # Counters after a full export (marshal stores plain dicts); an update's are dicts already.
            doc_freq={name: _plain_dict(scorer.doc_freq[name]) for name in FIELD_NAMES},
            terms=outputs,
            records=tuple(records),
            title_keys=tuple(title_keys),
        )
    return assemble(ordered, outputs, settings, records=records, title_keys=title_keys), scorer


def _plain_dict(counts: Mapping[str, int]) -> dict[str, int]:
    return counts if type(counts) is dict else dict(counts)  # type: ignore[return-value]


def _update(
    previous: ExportState,
    ordered: Sequence[AnalyzedDocument],
    multipliers: Sequence[float] | None,
    settings: IndexSettings,
    earlier_documents: Mapping[str, Sequence[Any]],
    jobs: int = 1,
) -> tuple[DocumentScorer, dict[str, TermOutput]] | None:
    """The scorer and term outputs from ``previous``, or None when a full export is needed."""
    global _UPDATE
    if len(ordered) != len(previous.paths) or (multipliers is None) != (previous.multipliers is None):
        return None
    changed: list[int] = []  # documents whose postings may differ
    old_versions: dict[int, AnalyzedDocument] = {}
    for number, doc in enumerate(ordered):
        if doc.path != previous.paths[number] or not doc.key:
            return None
        if doc.key != previous.keys[number]:
            earlier = earlier_documents.get(previous.keys[number])
            if earlier is None:
                return None
            old_versions[number] = AnalyzedDocument.from_marshal(earlier, previous.keys[number])
            changed.append(number)
        elif multipliers is not None and multipliers[number] != previous.multipliers[number]:  # type: ignore[index]
            changed.append(number)
    if len(changed) > len(ordered) * MAX_CHANGED_SHARE:
        return None  # most terms would be touched: the full export (in --jobs workers) is quicker
    field_lengths = dict(previous.field_lengths)
    doc_freq = previous.doc_freq  # updated in place: the previous state is not used again
    before: dict[tuple[str, str], int] = {}  # (field, term) → its document frequency before
    for number, old in old_versions.items():
        for sign, version in ((-1, old), (1, ordered[number])):
            for name, length, counts in version.fields:
                field_lengths[name] += sign * length
                field_df = doc_freq[name]
                for term in counts:
                    df = field_df.get(term, 0)
                    before.setdefault((name, term), df)
                    if df + sign:
                        field_df[term] = df + sign
                    else:
                        del field_df[term]
    # Terms whose idf moved in a field that other documents hold them in (a frequency that
    # was or becomes 0 concerns the changed documents only).
    moved: dict[str, set[str]] = {}  # term → fields where its idf moved
    for (name, term), df in before.items():
        now = doc_freq[name].get(term, 0)
        if df and now and quantised(df) != quantised(now):
            moved.setdefault(term, set()).add(name)
    scorer = DocumentScorer.from_counts(len(ordered), field_lengths, doc_freq)
    if scorer.stats.key != previous.stats_key:
        return None
    outputs = previous.terms
    if not changed:
        return scorer, outputs
    dirty: set[str] = set()
    new_scores: dict[int, dict[str, int]] = {}
    scale = settings.scale
    for number in changed:
        doc = ordered[number]
        multiplier = multipliers[number] if multipliers is not None else None
        new_scores[number] = {
            term: integer_score(score, multiplier, scale) for term, score in scorer.scores(doc).items()
        }
        dirty.update(new_scores[number])
        old = old_versions.get(number)
        if old is not None:
            for _, _, counts in old.fields:
                dirty.update(counts)
    update = _TermUpdate(outputs, ordered, multipliers, settings, scorer, new_scores, sorted(changed), moved)
    terms = sorted(dirty)
    load = sum(len(outputs[term][0]) for term in terms if term in outputs) // POSTING_BYTES
    workers = max(1, min(jobs, load // MIN_UPDATE_POSTINGS_PER_WORKER))
    if workers > 1 and can_fork():
        step = -(-len(terms) // (workers * 4))
        _UPDATE = (update, terms)
        try:
            with fork_pool(workers) as pool:
                results = list(pool.imap(_update_slice, [(start, start + step) for start in range(0, len(terms), step)]))
        finally:
            _UPDATE = None
    else:
        results = [update.run(terms)]
    for result in results:
        for term, output in result.items():
            if output is None:
                outputs.pop(term, None)
            else:
                outputs[term] = output
    return scorer, outputs


class _TermUpdate:
    """The postings of dirty terms brought up to date (see :func:`_update`); run in the build
    process or, for many postings, in forked workers (each a slice of the terms)."""

    def __init__(
        self,
        outputs: Mapping[str, TermOutput],
        ordered: Sequence[AnalyzedDocument],
        multipliers: Sequence[float] | None,
        settings: IndexSettings,
        scorer: DocumentScorer,
        new_scores: Mapping[int, Mapping[str, int]],
        changed_order: Sequence[int],
        moved: Mapping[str, set[str]],
    ) -> None:
        self.outputs, self.ordered, self.multipliers, self.settings = outputs, ordered, multipliers, settings
        self.scorer, self.new_scores, self.changed_order, self.moved = scorer, new_scores, changed_order, moved
        self.changed_set = set(changed_order)
        self._holders: dict[str, dict[str, list[int]]] = {}

    def holders_of(self, name: str) -> dict[str, list[int]]:
        """term → the documents holding it in field ``name`` (built when first needed)."""
        if name not in self._holders:
            index: dict[str, list[int]] = {}
            for number, doc in enumerate(self.ordered):
                for field_name, _, counts in doc.fields:
                    if field_name == name:
                        for field_term in counts:
                            index.setdefault(field_term, []).append(number)
            self._holders[name] = index
        return self._holders[name]

    def run(self, terms: Sequence[str]) -> dict[str, TermOutput | None]:
        """The new output of each of ``terms`` whose postings changed (None: it is gone)."""
        result: dict[str, TermOutput | None] = {}
        ordered, multipliers, scale = self.ordered, self.multipliers, self.settings.scale
        for term in terms:
            before = self.outputs.get(term)
            flat = array("i")
            if before is not None:
                flat.frombytes(before[0])
            docs, scores = flat[0::2], flat[1::2]  # best first
            changes: dict[int, int | None] = {}  # document → its score now, for those that changed
            best: tuple[int, int] | None = None  # best rank key (-score, doc) of a changed posting, then or now
            worst: tuple[int, int] | None = None  # and the worst
            if len(self.changed_order) <= FEW_CHANGES:  # each moved into its place
                for number in self.changed_order:
                    score_of = self.new_scores[number].get(term)
                    at = _position(docs, number)
                    if at is None:
                        if score_of is None:
                            continue
                        keys = [(-score_of, number)]
                    else:
                        if score_of == scores[at]:
                            continue
                        keys = [(-scores[at], number)] if score_of is None else [(-scores[at], number), (-score_of, number)]
                        del docs[at]
                        del scores[at]
                    if score_of is not None:  # into its place in best-first order
                        at = bisect.bisect_left(range(len(docs)), keys[-1], key=lambda i: (-scores[i], docs[i]))
                        docs.insert(at, number)
                        scores.insert(at, score_of)
                    changes[number] = score_of
                    best = min(keys + ([best] if best is not None else []))
                    worst = max(keys + ([worst] if worst is not None else []))
            else:  # many: the others' postings, then the changed documents', sorted again
                earlier_scores: dict[int, int] = {}
                kept: list[tuple[int, int]] = []
                for pair in zip(docs, scores):
                    if pair[0] in self.changed_set:
                        earlier_scores[pair[0]] = pair[1]
                    else:
                        kept.append(pair)
                for number in self.changed_order:
                    score_of, earlier_score = self.new_scores[number].get(term), earlier_scores.get(number)
                    if score_of is not None:
                        kept.append((number, score_of))
                    if score_of != earlier_score:
                        changes[number] = score_of
                        for score in (score_of, earlier_score):
                            if score is not None and (best is None or (-score, number) < best):
                                best = (-score, number)
                            if score is not None and (worst is None or (-score, number) > worst):
                                worst = (-score, number)
                if changes:
                    kept.sort(key=rank_key)
                    docs, scores = array("i", [doc for doc, _ in kept]), array("i", [score for _, score in kept])
            moved_fields = self.moved.get(term)
            if moved_fields is not None:  # its idf moved: score again the documents holding it there
                position = {number: at for at, number in enumerate(docs)}
                if _BODY in moved_fields:  # most of its postings: all of them
                    rescored = [at for number, at in position.items() if number not in self.changed_set]
                else:  # a small field: look its holders up rather than go through every posting
                    holders = set().union(*(self.holders_of(name).get(term, ()) for name in moved_fields))
                    rescored = [position[n] for n in holders - self.changed_set]
                floats = self.scorer.term_scores([ordered[docs[at]] for at in rescored], term)
                moved_scores = False
                for at, score in zip(rescored, floats):
                    number = docs[at]
                    multiplier = multipliers[number] if multipliers is not None else None
                    assert score is not None, (term, number)
                    new = integer_score(score, multiplier, scale)
                    if new != scores[at]:
                        key = min((-scores[at], number), (-new, number))
                        best = key if best is None or key < best else best
                        key = max((-scores[at], number), (-new, number))
                        worst = key if worst is None or key > worst else worst
                        scores[at] = new
                        changes[number] = new
                        moved_scores = True
                if moved_scores:  # back into best-first order
                    pairs = sorted(zip(docs, scores), key=rank_key)
                    docs, scores = array("i", [doc for doc, _ in pairs]), array("i", [score for _, score in pairs])
            if not docs:
                result[term] = None
            elif changes:  # else: the same postings, entry and files
                earlier = None
                if before is not None and len(changes) > len(docs) // 8:  # most blocks change: encode all
                    earlier = EarlierFiles(len(before[0]) // POSTING_BYTES, before[2])
                elif before is not None:
                    earlier = EarlierFiles(
                        len(before[0]) // POSTING_BYTES,
                        before[2],
                        changes=changes,
                        best_changed=(-best[0], best[1]) if best is not None else None,
                        worst_changed=(-worst[0], worst[1]) if worst is not None else None,
                    )
                result[term] = term_output(RankedColumns(docs, scores), len(ordered), self.settings, earlier, ranked=True)
        return result


def _position(docs: array, number: int) -> int | None:
    """Where ``number`` is in ``docs`` (each document at most once), searched in C."""
    data, needle = docs.tobytes(), array("i", (number,)).tobytes()
    found = data.find(needle)
    while found >= 0 and found % docs.itemsize:  # across two numbers: look further
        found = data.find(needle, found + 1)
    return None if found < 0 else found // docs.itemsize


_UPDATE: tuple[_TermUpdate, list[str]] | None = None  # set in the parent just before forking workers


def _update_slice(bounds: tuple[int, int]) -> dict[str, TermOutput | None]:
    assert _UPDATE is not None
    update, terms = _UPDATE
    return update.run(terms[bounds[0] : bounds[1]])
