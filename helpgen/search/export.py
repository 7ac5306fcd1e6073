"""The browser's search index: Whoosh's per-(term, document) scores exported as static files.

A pure function of the documents (:func:`export_index`): same documents, same bytes. Layout,
under ``search/`` in the site (``docs/search.md`` has the full format)::

    manifest.json        the entry point (fixed name): format, limits, counts, the first key
                         of every term and lexicon shard, one hash per group of files
    t/{n}.{hash}.json    term shards: sorted terms from one key to the next, each with its
                         document frequency and best postings; completions of wide prefixes;
                         the documents whose whole title is a query (exact-title matches)
    p/{tag}.json         further tiers of a frequent term's postings, best first, and the
                         same postings in blocks by document number (random access); each
                         file is named by its own content (:data:`TAG_LENGTH` characters)
    d/{n}.{hash}.json    one document: title, path, category, status, excerpt
    l/{n}.{hash}.json    the lexicon by length then term, for typo corrections
    c/{hash}.json        categories and topics as ranges of document numbers (filters)

A term's best postings sit in its shard, the others in tiers (best first) and, all of them
again, in blocks by document number. A query reads tiers and blocks only until its top
results are certain (:mod:`helpgen.search.engine`), so a frequent word costs a few hundred
bytes, not its whole posting list. Scores are integers (``round(score × m × scale)``, ``m``
the document's usage multiplier, :mod:`helpgen.search.usage`, 1 without a usage boost), so
the browser's sums are exact and its tie-breaks agree with Whoosh's.

Every name but the manifest's carries a content hash, so files can be cached forever. Shards
and documents are numbered and share one hash per group (:data:`TERM_GROUP`,
:data:`DOC_GROUP` files): the manifest stays small and a changed document renames only the
groups it touches.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from json.encoder import encode_basestring  # type: ignore[attr-defined]
import math
import operator
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, chain, islice
from typing import Any, TypeVar

from helpgen.search.documents import ARTICLE, POST, SearchDocument
from helpgen.search.terms import AnalyzedDocument, DocumentScorer, analyze_document, postings
from helpgen.search.text import all_bmp, sorted_utf16, utf16_key
from helpgen.search.titles import anchor, title_key
from helpgen.search.usage import document_multipliers
from helpgen.workers import can_fork, fork_pool

__all__ = [
    "ExportedIndex",
    "IndexSettings",
    "export_index",
    "export_analyzed",
    "order_documents",
    "MANIFEST",
    "INDEX_DIR",
    "FORMAT",
]

FORMAT = 2
INDEX_DIR = "search/"
MANIFEST = INDEX_DIR + "manifest.json"
TERM_GROUP = 16
DOC_GROUP = 256
POSTING_BYTES = 2 * array("i").itemsize
"""Bytes of one (doc, score) pair in encoded postings (:func:`encode_pairs`)."""


@dataclass(frozen=True)
class IndexSettings:
    """Sizes that trade bytes per query against files on disk (the manifest repeats the limits)."""

    scale: int = 1000  # scores are stored as round(score * scale): exact sums, ties as Whoosh
    top: int = 16  # the best postings of a term kept in its shard (all of them, if no more)
    tier_growth: int = 4  # further tiers: 3 × top, then 4 times larger each time
    block: int = 64  # aimed-for postings per block (by document number) of a term
    shard_bytes: int = 2400  # aimed-for size of a term shard (JSON, before gzip)
    docs_per_shard: int = 1
    lexicon_bytes: int = 6000
    completions: int = 6  # completions of a last word typed in part
    typos: int = 4  # corrections tried for a word that matches nothing
    min_prefix: int = 2  # a last word shorter than this is not completed
    min_typo: int = 4  # a word shorter than this is not corrected


@dataclass(frozen=True)
class ExportedIndex:
    """The index files (site path → bytes) and a summary for the build report."""

    files: Mapping[str, bytes]
    documents: int
    terms: int
    postings: int

    @property
    def raw_bytes(self) -> int:
        return sum(len(data) for data in self.files.values())

    @staticmethod
    def content_addressed(site_path: str) -> bool:
        """True when the file's name holds a hash of its content (every file but the manifest)."""
        return site_path != MANIFEST


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # what json.dumps would build per call


def _json(value: Any) -> bytes:
    return _ENCODER.encode(value).encode("utf-8")


try:  # orjson (a dependency; stdlib json when it is missing) writes what _json writes for these values, 10x faster
    from orjson import dumps as _orjson_dumps
except ImportError:  # pragma: no cover - orjson is a dependency
    _orjson_dumps = None


def _json_numbers(value: list[Any]) -> bytes:
    """``_json(value)`` (the same bytes) for a list of ints, ASCII letters-and-digits strings
    and such lists: posting arrays and term entries, most of an update's encoding time.

    orjson's result is copied: its buffer keeps about twice the length allocated (at 10,000
    articles, 50 MB more memory for the posting files kept in the export state)."""
    return bytes(memoryview(_orjson_dumps(value))) if _orjson_dumps is not None else _json(value)


def _hash(data: bytes, length: int = 10) -> str:
    return hashlib.sha256(data).hexdigest()[:length]


_Doc = TypeVar("_Doc", SearchDocument, AnalyzedDocument)


def order_documents(documents: Sequence[_Doc]) -> list[_Doc]:
    """Documents in index order: articles then posts, each grouped by category or topic.

    Grouping makes every category a contiguous range of document numbers, so filters are
    two numbers in the manifest, and the results of one query tend to share document shards.
    """
    first_seen: dict[tuple[str, str], int] = {}
    for doc in documents:
        first_seen.setdefault((doc.kind, doc.category_key), len(first_seen))
    rank = {ARTICLE: 0, POST: 1}
    indexed = sorted(
        enumerate(documents),
        key=lambda pair: (rank.get(pair[1].kind, 2), first_seen[(pair[1].kind, pair[1].category_key)], pair[0]),
    )
    return [doc for _, doc in indexed]


@dataclass
class _Files:
    """Collects numbered files of one family and names them by group hash."""

    family: str
    group_size: int
    contents: list[bytes] = field(default_factory=list)

    def add(self, data: bytes) -> int:
        self.contents.append(data)
        return len(self.contents) - 1

    def group_hashes(self) -> list[str]:
        return [
            _hash(b"\0".join(self.contents[start : start + self.group_size]))
            for start in range(0, len(self.contents), self.group_size)
        ]

    def named(self) -> dict[str, bytes]:
        hashes = self.group_hashes()
        return {
            f"{INDEX_DIR}{self.family}/{n}.{hashes[n // self.group_size]}.json": data
            for n, data in enumerate(self.contents)
        }


def _postings_array(postings: Sequence[tuple[int, int]], by_doc: bool = False) -> list[int]:
    """``[(doc, score)]`` → ``[doc0, score0, doc1 - doc0, score1, ...]`` sorted by doc
    (``by_doc``: the pairs are sorted by doc already)."""
    pairs = postings if by_doc else sorted(postings, key=_DOC)
    if not pairs:
        return []
    docs = [doc for doc, _ in pairs]
    flat = [0] * (2 * len(pairs))
    flat[0] = docs[0]
    flat[2::2] = map(operator.sub, islice(docs, 1, None), docs)
    flat[1::2] = [score for _, score in pairs]
    return flat


_DOC = _FIRST = operator.itemgetter(0)
_SCORE = operator.itemgetter(1)


def rank_key(posting: tuple[int, int]) -> tuple[int, int]:
    """A ``(doc, score)`` posting's place in best-first order: higher score first, then lower
    document number (how tiers and :data:`TermOutput` postings are ordered)."""
    return (-posting[1], posting[0])


def _tier_bounds(df: int, settings: IndexSettings) -> list[tuple[int, int]]:
    bounds: list[tuple[int, int]] = []
    start, size = settings.top, settings.top * (settings.tier_growth - 1)
    while start < df:
        bounds.append((start, min(start + size, df)))
        start += size
        size *= settings.tier_growth
    return bounds


def _block_range(df: int, doc_count: int, settings: IndexSettings) -> int:
    doc_range = settings.block * doc_count / df
    return 1 << max(0, math.ceil(math.log2(max(doc_range, 1))))


@dataclass(frozen=True)
class EarlierFiles:
    """What a term's posting files in an earlier export of as many documents can give again.

    ``df`` is the term's number of postings then and ``files`` its posting files (tiers, then
    blocks). ``changes`` maps each document whose posting differs (added, removed or scored
    otherwise; every other document's posting is the same) to its score now (None: it has
    none now), and ``best_changed`` is the best ranked of their postings then and now, as
    ``(score, doc)``: every posting that ranks before it is the same then and now, so a tier
    of those is the same file, and a block without a changed document is the same file.
    None for both when any posting may differ (nothing is taken over). ``worst_changed``,
    when given, is the worst ranked of them: with as many postings then and now, every
    posting that ranks after it has the same rank then and now (the changed ones above it
    only traded places), so a tier of those is the same file too.
    """

    df: int
    files: Sequence[tuple[str, bytes]]
    changes: Mapping[int, int | None] | None = None
    best_changed: tuple[int, int] | None = None
    worst_changed: tuple[int, int] | None = None


def _term_entry(
    ranked: Sequence[tuple[int, int]],
    doc_count: int,
    settings: IndexSettings,
    posting_files: list[tuple[str, bytes]],
    earlier: EarlierFiles | None = None,
    by_doc: Sequence[tuple[int, int]] | None = None,
) -> list[Any]:
    """A term's entry in its shard (``ranked``: its ``(doc, score)`` pairs best first:
    higher score first, then lower document number; ``by_doc``, the same pairs sorted by
    document, if the caller has them).

    ``earlier`` says which posting files of an earlier export are the same (see
    :class:`EarlierFiles`): those are taken from there, not encoded again (the same bytes
    either way).

    ``[df, postings]`` when the term has at most ``top`` postings. Otherwise
    ``[df, best postings, tier tags, [[best score, count] of each further tier], block range,
    block tags]`` (the tags of a kind concatenated, :data:`TAG_LENGTH` characters each):

    * the ``top`` best postings stay in the shard;
    * the others, best first, in tiers ``p/{tag}.json`` (tier n has the n-th tier tag), each
      ``tier_growth`` times larger than the one before: reading them in order finds the
      documents that score best for the term;
    * the whole list, by document number, in blocks ``p/{tag}.json`` (the n-th block tag) of the documents
      ``[n × range, (n + 1) × range)``: reading one tells a document's exact score (or that it
      lacks the term) without reading the tiers down to it.
    """
    if len(ranked) <= settings.top:
        return [len(ranked), _postings_array(ranked[:])]
    bounds = _tier_bounds(len(ranked), settings)
    doc_range = _block_range(len(ranked), doc_count, settings)
    block_count = (doc_count + doc_range - 1) // doc_range
    old_tiers: dict[int, tuple[str, bytes]] = {}  # tier number → its earlier file, where the same
    old_blocks: Sequence[tuple[str, bytes]] = ()
    changes: dict[int, dict[int, int | None]] = {}  # block → its changed documents' scores now
    if earlier is not None and earlier.df > settings.top:
        old_bounds = _tier_bounds(earlier.df, settings)
        # A tier is the same when it has the same bounds and ends before any changed posting.
        same_ranks = 0
        if earlier.best_changed is not None:
            score, doc = earlier.best_changed
            same_ranks = bisect.bisect_left(ranked, (-score, doc), key=rank_key)
        same = 0
        while same < min(len(bounds), len(old_bounds)) and bounds[same] == old_bounds[same] and bounds[same][1] <= same_ranks:
            same += 1
        old_tiers = dict(enumerate(earlier.files[:same]))
        if earlier.worst_changed is not None and earlier.df == len(ranked):  # the same bounds: the tiers after it too
            score, doc = earlier.worst_changed
            after = bisect.bisect_right(ranked, (-score, doc), key=rank_key)
            old_tiers.update((n, earlier.files[n]) for n, (start, _) in enumerate(bounds) if n >= same and start >= after)
        old_block_files = earlier.files[len(old_bounds) :]
        if (
            earlier.changes is not None
            and _block_range(earlier.df, doc_count, settings) == doc_range
            and len(old_block_files) == block_count
        ):
            old_blocks = old_block_files
            for doc, score in earlier.changes.items():
                changes.setdefault(doc // doc_range, {})[doc] = score
    tier_data = [
        old_tiers[n][1] if n in old_tiers else _json_numbers(_postings_array(ranked[start:end]))
        for n, (start, end) in enumerate(bounds)
    ]
    if old_blocks:  # the changed blocks: their earlier postings with the changed documents' now
        block_data = [
            old_blocks[n][1] if n not in changes else _json_numbers(_postings_array(_changed_block(old_blocks[n][1], changes[n]), by_doc=True))
            for n in range(block_count)
        ]
    else:
        if by_doc is None:
            by_doc = sorted(ranked[:])  # (doc, score) pairs: each document once, so by document
        cuts = [bisect.bisect_left(by_doc, n * doc_range, key=_DOC) for n in range(block_count + 1)]
        block_data = [_json_numbers(_postings_array(by_doc[cuts[n] : cuts[n + 1]], by_doc=True)) for n in range(block_count)]
    tier_tags = [old_tiers[n][0][-(TAG_LENGTH + 5) : -5] if n in old_tiers else posting_tag(data) for n, data in enumerate(tier_data)]
    block_tags = [
        old_blocks[n][0][-(TAG_LENGTH + 5) : -5] if old_blocks and n not in changes else posting_tag(data)
        for n, data in enumerate(block_data)
    ]
    for tag, data in zip(tier_tags + block_tags, tier_data + block_data):
        posting_files.append((f"{INDEX_DIR}p/{tag}.json", data))
    return [
        len(ranked),
        _postings_array(ranked[: settings.top]),
        "".join(tier_tags),
        [[ranked[start][1], end - start] for start, end in bounds],
        doc_range,
        "".join(block_tags),
    ]


def _changed_block(data: bytes, changes: Mapping[int, int | None]) -> list[tuple[int, int]]:
    """A block file's postings (by document) with ``changes`` (doc → score now, or None) made."""
    flat = json.loads(data)
    scores = dict(zip(accumulate(flat[0::2]), flat[1::2]))
    for doc, score in changes.items():
        if score is None:
            scores.pop(doc, None)
        else:
            scores[doc] = score
    return sorted(scores.items())


class RankedColumns(Sequence[tuple[int, int]]):
    """``(doc, score)`` pairs best first, held as two ``array('i')`` columns: a pair object is
    made only for what is read (a slice of the tiers to encode again, not every posting)."""

    def __init__(self, docs: array, scores: array) -> None:
        self.docs, self.scores = docs, scores

    def __len__(self) -> int:
        return len(self.docs)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return list(zip(self.docs[index], self.scores[index]))
        return (self.docs[index], self.scores[index])


TAG_LENGTH = 12
"""Characters of a posting file's name: its content's SHA-256 in lowercase base32 (60 bits;
lowercase, so names stay distinct on case-insensitive file systems)."""


def posting_tag(data: bytes) -> str:
    """The name of a posting file (tier or block) holding ``data``.

    Each file is named by its own content, so an edit renames only the tiers and the block it
    changes, not all of a frequent term's files; equal files (an empty block) are one file.
    """
    # The first TAG_LENGTH characters of the digest's lowercase base32 (RFC 4648) are its first
    # 5 × TAG_LENGTH bits, 5 at a time: computed here without base64's pure-Python encoder
    # (from the digest's first 64 bits: TAG_LENGTH is at most 12).
    bits = int.from_bytes(hashlib.sha256(data).digest()[:8], "big") >> (64 - 5 * TAG_LENGTH)
    return "".join([_BASE32[(bits >> shift) & 31] for shift in _TAG_SHIFTS])


_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"
_TAG_SHIFTS = tuple(range(5 * (TAG_LENGTH - 1), -1, -5))


def _shortest_key(previous: str, term: str) -> str:
    """The shortest prefix of ``term`` that sorts after ``previous`` (in UTF-16 order)."""
    before = utf16_key(previous)
    for end in range(1, len(term) + 1):
        if utf16_key(term[:end]) > before:
            return term[:end]
    return term


def _partition(
    items: Sequence[tuple[str, int]], target: int, key_of: Callable[[str, str], str]
) -> list[tuple[int, int, str]]:
    """Cut sorted ``(sort string, size)`` items into runs of about ``target`` bytes.

    Returns ``(start, end, key)`` runs. A cut goes where the key is shortest within the
    window of 70–130% of the target, so shards tend to hold whole prefixes.
    """
    runs: list[tuple[int, int, str]] = []
    start = 0
    while start < len(items):
        size, end = 0, start
        while end < len(items) and size + items[end][1] <= target * 0.7:
            size += items[end][1]
            end += 1
        end = max(end, start + 1)
        best_end, best_key = None, None
        window_size = sum(s for _, s in items[start:end])
        cut = end
        while cut < len(items) and window_size <= target * 1.3:
            key = key_of(items[cut - 1][0], items[cut][0])
            if best_key is None or len(key) < len(best_key):
                best_end, best_key = cut, key
            window_size += items[cut][1]
            cut += 1
        if cut >= len(items) and window_size <= target * 1.3:
            best_end = len(items)
        final_end = best_end if best_end is not None else min(end, len(items))
        key = "" if not runs else key_of(items[start - 1][0], items[start][0])
        runs.append((start, final_end, key))
        start = final_end
    return runs


def _completions(
    terms: Sequence[str], doc_freq: Mapping[str, int], runs: Sequence[tuple[int, int, str]], settings: IndexSettings
) -> dict[int, dict[str, list[str]]]:
    """For each shard, the prefixes that start in it but run past its end: their best completions.

    A prefix whose terms all sit in one shard is completed from that shard; a wider one (a
    proper prefix of a shard key) gets its top completions listed in the shard where it
    would sort, so the browser reads one shard, not every shard the prefix spans.
    """
    # Binary searches in UTF-16 order: Python's own string order when it is the same.
    order: Callable[[str], Any] = str if all_bmp(terms) else utf16_key
    sorted_keys = list(terms) if order is str else [utf16_key(t) for t in terms]
    out: dict[int, dict[str, list[str]]] = {}
    wide: set[str] = set()
    for _, _, key in runs[1:]:
        for end in range(settings.min_prefix, len(key) + 1):
            wide.add(key[:end])
    shard_starts = [order(key) for _, _, key in runs]
    for prefix in sorted(wide, key=utf16_key):
        lo = bisect.bisect_left(sorted_keys, order(prefix))
        matches = []
        index = lo
        while index < len(terms) and terms[index].startswith(prefix):
            matches.append(terms[index])
            index += 1
        if not matches:
            continue
        best = sorted(matches, key=lambda t: (-doc_freq[t], utf16_key(t)))[: settings.completions]
        shard = bisect.bisect_right(shard_starts, order(prefix)) - 1
        out.setdefault(shard, {})[prefix] = best
    return out


def export_index(
    documents: Sequence[SearchDocument],
    settings: IndexSettings = IndexSettings(),
    boosts: Mapping[str, float] | None = None,
) -> ExportedIndex:
    """All index files for ``documents`` (in :func:`order_documents` order), as site paths."""
    return export_analyzed([analyze_document(doc) for doc in documents], settings, boosts=boosts)


TermOutput = tuple[bytes, bytes, tuple[tuple[str, bytes], ...]]
"""What the export made of one term: its integer postings (``array('i')`` bytes, ``doc,
score`` pairs best first: higher score first, then lower document number), its shard entry
(JSON) and its posting files (site path, bytes). A pure function of the postings and the
number of documents (:func:`term_output`)."""


def integer_score(score: float, multiplier: float | None, scale: int) -> int:
    """A (term, document) score as stored: ``max(1, round(score × m × scale))``."""
    if multiplier is None:
        return max(1, int(round(score * scale)))
    return max(1, int(round(score * multiplier * scale)))


def encode_pairs(pairs: Sequence[tuple[int, int]]) -> bytes:
    """``(doc, score)`` pairs as the bytes of ``array('i')`` ``[doc, score, ...]``."""
    return array("i", chain.from_iterable(pairs)).tobytes()


def encode_columns(docs: array, scores: array) -> bytes:
    """The bytes :func:`encode_pairs` gives for ``zip(docs, scores)``, from two ``array('i')``
    columns (without a Python object per number)."""
    flat = array("i", bytes(POSTING_BYTES * len(docs)))
    flat[0::2] = docs
    flat[1::2] = scores
    return flat.tobytes()


def term_output(
    postings: Mapping[int, int] | Sequence[tuple[int, int]],
    doc_count: int,
    settings: IndexSettings,
    earlier: EarlierFiles | None = None,
    *,
    ranked: bool = False,
) -> TermOutput:
    """A term's :data:`TermOutput` from its integer postings: ``{doc: score}``, or ``(doc,
    score)`` pairs sorted by doc, or best first with ``ranked`` (a list, or the
    :class:`RankedColumns` of an update); ``earlier`` (:class:`EarlierFiles`), what an export
    of as many documents made of the term, saves encoding the posting files that did not
    change."""
    files: list[tuple[str, bytes]] = []
    if isinstance(postings, Mapping):
        postings = sorted(postings.items(), key=_DOC)
    by_doc = None
    if not ranked:
        # Best first, ties by document number: a stable sort by score of the pairs sorted by doc.
        by_doc, postings = postings, sorted(postings, key=_SCORE, reverse=True)
    entry = _json_numbers(_term_entry(postings, doc_count, settings, files, earlier, by_doc))
    if isinstance(postings, RankedColumns):
        encoded = encode_columns(postings.docs, postings.scores)
    else:
        encoded = encode_pairs(postings)
    return encoded, entry, tuple(files)


_ENTRY_JOB: tuple[dict[str, dict[int, float]], list[str], int, IndexSettings, list[float] | None] | None = None


def _entries_of(terms: Sequence[str], scores_by_term: Mapping[str, Mapping[int, float]], doc_count: int,
                settings: IndexSettings, multipliers: Sequence[float] | None = None) -> dict[str, TermOutput]:
    """The :data:`TermOutput` of each of ``terms``, with scores as integers (each multiplied
    by its document's usage multiplier, when there are any)."""
    scale = settings.scale
    outputs: dict[str, TermOutput] = {}
    for term in terms:
        if multipliers is None:
            integers = {doc: max(1, int(round(score * scale))) for doc, score in scores_by_term[term].items()}
        else:
            integers = {
                doc: max(1, int(round(score * multipliers[doc] * scale))) for doc, score in scores_by_term[term].items()
            }
        outputs[term] = term_output(integers, doc_count, settings)
    return outputs


def _entries_of_slice(bounds: tuple[int, int]) -> dict[str, TermOutput]:
    assert _ENTRY_JOB is not None
    scores_by_term, terms, doc_count, settings, multipliers = _ENTRY_JOB
    return _entries_of(terms[bounds[0] : bounds[1]], scores_by_term, doc_count, settings, multipliers)


# Below this many postings, forking workers for the term entries costs more than it saves.
MIN_POSTINGS_PER_WORKER = 200_000


def export_analyzed(
    documents: Sequence[AnalyzedDocument],
    settings: IndexSettings = IndexSettings(),
    jobs: int = 1,
    *,
    boosts: Mapping[str, float] | None = None,
    scorer: DocumentScorer | None = None,
) -> ExportedIndex:
    """All index files for analysed ``documents`` (:mod:`helpgen.search.terms`), as site paths.

    The same documents give the same bytes as :func:`export_index` on their source documents,
    whatever ``jobs`` (the number of forked worker processes that write the terms' entries).
    ``boosts`` maps a document's path to its usage multiplier (:mod:`helpgen.search.usage`);
    empty or None means no usage boost, and the same bytes as without it. ``scorer``: a
    :class:`~helpgen.search.terms.DocumentScorer` of ``documents`` the caller also uses
    (for related articles), so the collection statistics are gathered once.
    :mod:`helpgen.search.incremental` gives the same bytes from an earlier export's terms.
    """
    ordered = order_documents(documents)
    multipliers = multipliers_of(ordered, boosts)
    outputs = term_outputs(ordered, settings, jobs, multipliers=multipliers, scorer=scorer)
    return assemble(ordered, outputs, settings)


def multipliers_of(ordered: Sequence[AnalyzedDocument], boosts: Mapping[str, float] | None) -> list[float] | None:
    """Each ordered document's usage multiplier; None without a usage boost."""
    return document_multipliers((doc.path for doc in ordered), boosts) if boosts else None


def term_outputs(
    ordered: Sequence[AnalyzedDocument],
    settings: IndexSettings,
    jobs: int = 1,
    *,
    multipliers: Sequence[float] | None = None,
    scorer: DocumentScorer | None = None,
) -> dict[str, TermOutput]:
    """Every term's :data:`TermOutput` for documents in index order, computed from scratch
    (in up to ``jobs`` forked workers; the same bytes whatever ``jobs``)."""
    global _ENTRY_JOB
    scores_by_term, _ = postings(ordered, scorer)
    terms = sorted(scores_by_term)
    total_postings = sum(len(scores) for scores in scores_by_term.values())
    multiplier_list = list(multipliers) if multipliers is not None else None
    workers = max(1, min(jobs, total_postings // MIN_POSTINGS_PER_WORKER))
    if workers > 1 and can_fork():
        # Slices of about equal postings, a few per worker so a slow one does not hold the rest.
        slices: list[tuple[int, int]] = []
        target, start, size = total_postings / (workers * 4), 0, 0
        for index, term in enumerate(terms):
            size += len(scores_by_term[term])
            if size >= target:
                slices.append((start, index + 1))
                start, size = index + 1, 0
        if start < len(terms):
            slices.append((start, len(terms)))
        _ENTRY_JOB = (scores_by_term, terms, len(ordered), settings, multiplier_list)
        outputs: dict[str, TermOutput] = {}
        try:
            with fork_pool(workers) as pool:
                for part in pool.imap(_entries_of_slice, slices):
                    outputs.update(part)
        finally:
            _ENTRY_JOB = None
        return outputs
    return _entries_of(terms, scores_by_term, len(ordered), settings, multiplier_list)


def assemble(
    ordered: Sequence[AnalyzedDocument],
    outputs: Mapping[str, TermOutput],
    settings: IndexSettings,
    terms: Sequence[str] | None = None,
    records: Sequence[bytes] | None = None,
    title_keys: Sequence[str | None] | None = None,
) -> ExportedIndex:
    """The index files of documents in index order whose terms made ``outputs``: term and
    lexicon shards, document files, categories and the manifest, with every term's posting
    files. Given, ``terms`` is ``outputs``' terms in UTF-16 order, ``records`` and
    ``title_keys`` each document's :func:`record_bytes` and :func:`title_key` (saves work)."""
    terms = list(terms) if terms is not None else sorted_utf16(outputs)
    records = records if records is not None else [record_bytes(doc) for doc in ordered]
    title_keys = title_keys if title_keys is not None else [title_key(doc.record[0]) for doc in ordered]
    entries = {term: output[1] for term, output in outputs.items()}
    doc_freq = {term: len(output[0]) // POSTING_BYTES for term, output in outputs.items()}
    total_postings = sum(doc_freq.values())
    files: dict[str, bytes] = {}
    for output in outputs.values():
        files.update(output[2])

    titles_by_term = _exact_titles(title_keys, doc_freq)
    term_runs = _partition(
        [(term, len(entries[term]) + len(term.encode("utf-8")) + 4 + len(titles_by_term.get(term, b""))) for term in terms],
        settings.shard_bytes,
        _shortest_key,
    )
    completions = _completions(terms, doc_freq, term_runs, settings)
    term_files = _Files("t", TERM_GROUP)
    for number, (start, end, _) in enumerate(term_runs):
        body = b",".join(_json(term) + b":" + entries[term] for term in terms[start:end])
        shard: bytes = b'{"t":{' + body + b"}"
        if number in completions:
            shard += b',"w":' + _json(completions[number])
        listed = b",".join(titles_by_term[term] for term in terms[start:end] if term in titles_by_term)
        if listed:
            shard += b',"x":{' + listed + b"}"
        term_files.add(shard + b"}")

    lexicon_items = sorted_utf16(((_lexicon_key(t), t) for t in terms), key=_FIRST)
    lexicon_runs = _partition(
        [(key, len(term.encode("utf-8")) + 8) for key, term in lexicon_items],
        settings.lexicon_bytes,
        _shortest_key,
    )
    lexicon_files = _Files("l", TERM_GROUP)
    lexicon_keys = [key for _, _, key in lexicon_runs]
    for start, end, _ in lexicon_runs:
        chunk = lexicon_items[start:end]
        lexicon_files.add(_json([[t for _, t in chunk], [doc_freq[t] for _, t in chunk]]))

    doc_files = _Files("d", DOC_GROUP)
    for start in range(0, len(ordered), settings.docs_per_shard):
        doc_files.add(b"[" + b",".join(records[start : start + settings.docs_per_shard]) + b"]")

    categories = _json({"categories": _category_ranges(ordered)})
    categories_name = f"c/{_hash(categories)}.json"
    files[INDEX_DIR + categories_name] = categories
    manifest = {
        "format": FORMAT,
        "scale": settings.scale,
        "limits": {
            "completions": settings.completions,
            "typos": settings.typos,
            "minPrefix": settings.min_prefix,
            "minTypo": settings.min_typo,
        },
        "docs": {
            "count": len(ordered),
            "articles": sum(1 for d in ordered if d.kind == ARTICLE),
            "perShard": settings.docs_per_shard,
            "groupSize": DOC_GROUP,
            "groups": doc_files.group_hashes(),
        },
        "categories": categories_name,
        "statuses": _status_labels(ordered),
        "terms": {
            "keys": [key for _, _, key in term_runs],
            "groupSize": TERM_GROUP,
            "groups": term_files.group_hashes(),
        },
        "lexicon": {"keys": lexicon_keys, "groupSize": TERM_GROUP, "groups": lexicon_files.group_hashes()},
    }
    files.update(term_files.named())
    files.update(lexicon_files.named())
    files.update(doc_files.named())
    files[MANIFEST] = _json(manifest)
    return ExportedIndex(files=dict(sorted(files.items())), documents=len(ordered), terms=len(terms), postings=total_postings)


def _exact_titles(title_keys: Sequence[str | None], doc_freq: Mapping[str, int]) -> dict[str, bytes]:
    """For each anchor term, its shard's ``"x"`` members: ``"title key":[doc, ...]``.

    Every document whose title has a key (:func:`~helpgen.search.titles.title_key`) is listed
    under it, in the shard of the key's :func:`~helpgen.search.titles.anchor` term, so a
    query equal to a title finds its documents in a shard it reads anyway.
    """
    by_key: dict[str, list[int]] = {}
    for number, key in enumerate(title_keys):
        if key is not None:
            by_key.setdefault(key, []).append(number)
    members: dict[str, list[bytes]] = {}
    for key in sorted_utf16(by_key):
        key_terms = key.split(" ")
        if any(term not in doc_freq for term in key_terms):
            continue  # cannot happen (the title field has these terms); never a KeyError
        term = anchor(key_terms, doc_freq.__getitem__)
        docs = by_key[key]
        # _json(key) + b":" + _json(docs), without the encoder's per-call overhead (12,000 keys at 10k)
        member = _json_string(key) + (b":[%d]" % docs[0] if len(docs) == 1 else b":" + _json(docs))
        members.setdefault(term, []).append(member)
    return {term: b",".join(parts) for term, parts in members.items()}


def _json_string(text: str) -> bytes:
    """``_json(text)`` for a string."""
    return encode_basestring(text).encode("utf-8")


def _lexicon_key(term: str) -> str:
    """Lexicon order: by length (in code points), then by term."""
    return f"{len(term):03d}{term}"


def _category_ranges(ordered: Sequence[AnalyzedDocument]) -> list[list[Any]]:
    """``[[key, first doc, end doc], ...]`` for every category and topic (for filters)."""
    ranges: list[list[Any]] = []
    for number, doc in enumerate(ordered):
        if not doc.category_key:
            continue
        if ranges and ranges[-1][0] == doc.category_key and ranges[-1][2] == number:
            ranges[-1][2] = number + 1
        else:
            ranges.append([doc.category_key, number, number + 1])
    return ranges


def _status_labels(ordered: Iterable[AnalyzedDocument]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for doc in ordered:
        if doc.status:
            labels.setdefault(doc.status, doc.status_label)
    return dict(sorted(labels.items()))


def record_bytes(doc: AnalyzedDocument) -> bytes:
    """A document's record in its document file: ``[title, path, category, status, excerpt]``
    (the kind follows from the number), as JSON."""
    return _json(list(doc.record))
