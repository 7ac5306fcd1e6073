"""The browser's search index: Whoosh's per-(term, document) scores exported as static files.

A pure function of the documents (:func:`export_index`): same documents, same bytes. Layout,
under ``search/`` in the site (``docs/search.md`` has the full format)::

    manifest.json        the entry point (fixed name): format, limits, counts, the first key
                         of every term and lexicon shard, one hash per group of files
    t/{n}.{hash}.json    term shards: sorted terms from one key to the next, each with its
                         document frequency and best postings; completions of wide prefixes;
                         the documents whose whole title is a query (exact-title matches)
    p/{hash}.{n}.json    further tiers of a frequent term's postings, best first
    p/{hash}.b{n}.json   the same postings in blocks by document number (random access)
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
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from helpgen.search.documents import ARTICLE, POST, SearchDocument
from helpgen.search.terms import AnalyzedDocument, DocumentScorer, analyze_document, postings
from helpgen.search.text import utf16_key
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

FORMAT = 1
INDEX_DIR = "search/"
MANIFEST = INDEX_DIR + "manifest.json"
TERM_GROUP = 16
DOC_GROUP = 256


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


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


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


def _postings_array(postings: Sequence[tuple[int, int]]) -> list[int]:
    """``[(doc, score)]`` → ``[doc0, score0, doc1 - doc0, score1, ...]`` sorted by doc."""
    flat: list[int] = []
    previous = 0
    for doc, score in sorted(postings):
        flat.extend((doc - previous, score))
        previous = doc
    return flat


def _term_entry(
    postings: list[tuple[int, int]], doc_count: int, settings: IndexSettings, posting_files: dict[str, bytes]
) -> list[Any]:
    """A term's entry in its shard.

    ``[df, postings]`` when the term has at most ``top`` postings. Otherwise
    ``[df, best postings, hash, [[best score, count] of each further tier], block range]``:

    * the ``top`` best postings stay in the shard;
    * the others, best first, in tiers ``p/{hash}.{n}.json`` (n = 1, 2, ...), each
      ``tier_growth`` times larger than the one before: reading them in order finds the
      documents that score best for the term;
    * the whole list, by document number, in blocks ``p/{hash}.b{n}.json`` of the documents
      ``[n × range, (n + 1) × range)``: reading one tells a document's exact score (or that it
      lacks the term) without reading the tiers down to it.
    """
    ranked = sorted(postings, key=lambda pair: (-pair[1], pair[0]))
    if len(ranked) <= settings.top:
        return [len(ranked), _postings_array(ranked)]
    tiers: list[list[tuple[int, int]]] = []
    start, size = settings.top, settings.top * (settings.tier_growth - 1)
    while start < len(ranked):
        tiers.append(ranked[start : start + size])
        start += size
        size *= settings.tier_growth
    doc_range = settings.block * doc_count / len(ranked)
    doc_range = 1 << max(0, math.ceil(math.log2(max(doc_range, 1))))
    blocks: list[list[tuple[int, int]]] = [[] for _ in range((doc_count + doc_range - 1) // doc_range)]
    for doc, score in postings:
        blocks[doc // doc_range].append((doc, score))
    tier_data = [_json(_postings_array(tier)) for tier in tiers]
    block_data = [_json(_postings_array(block)) for block in blocks]
    digest = _hash(b"\0".join(tier_data + [b"|"] + block_data), 10)
    for number, data in enumerate(tier_data, start=1):
        posting_files[f"{INDEX_DIR}p/{digest}.{number}.json"] = data
    for number, data in enumerate(block_data):
        posting_files[f"{INDEX_DIR}p/{digest}.b{number}.json"] = data
    return [len(ranked), _postings_array(ranked[: settings.top]), digest, [[t[0][1], len(t)] for t in tiers], doc_range]


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
    sorted_keys = [utf16_key(t) for t in terms]
    out: dict[int, dict[str, list[str]]] = {}
    wide: set[str] = set()
    for _, _, key in runs[1:]:
        for end in range(settings.min_prefix, len(key) + 1):
            wide.add(key[:end])
    shard_starts = [utf16_key(key) for _, _, key in runs]
    for prefix in sorted(wide, key=utf16_key):
        lo = bisect.bisect_left(sorted_keys, utf16_key(prefix))
        matches = []
        index = lo
        while index < len(terms) and terms[index].startswith(prefix):
            matches.append(terms[index])
            index += 1
        if not matches:
            continue
        best = sorted(matches, key=lambda t: (-doc_freq[t], utf16_key(t)))[: settings.completions]
        shard = bisect.bisect_right(shard_starts, utf16_key(prefix)) - 1
        out.setdefault(shard, {})[prefix] = best
    return out


def export_index(
    documents: Sequence[SearchDocument],
    settings: IndexSettings = IndexSettings(),
    boosts: Mapping[str, float] | None = None,
) -> ExportedIndex:
    """All index files for ``documents`` (in :func:`order_documents` order), as site paths."""
    return export_analyzed([analyze_document(doc) for doc in documents], settings, boosts=boosts)


_ENTRY_JOB: tuple[dict[str, dict[int, float]], list[str], int, IndexSettings, list[float] | None] | None = None


def _entries_of(terms: Sequence[str], scores_by_term: Mapping[str, Mapping[int, float]], doc_count: int,
                settings: IndexSettings, multipliers: Sequence[float] | None = None) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """Shard entries (term → JSON) and posting files of ``terms``, with scores as integers
    (each multiplied by its document's usage multiplier, when there are any)."""
    scale = settings.scale
    files: dict[str, bytes] = {}
    entries: dict[str, bytes] = {}
    for term in terms:
        if multipliers is None:
            postings_list = [(doc, max(1, int(round(score * scale)))) for doc, score in scores_by_term[term].items()]
        else:
            postings_list = [
                (doc, max(1, int(round(score * multipliers[doc] * scale)))) for doc, score in scores_by_term[term].items()
            ]
        entries[term] = _json(_term_entry(postings_list, doc_count, settings, files))
    return entries, files


def _entries_of_slice(bounds: tuple[int, int]) -> tuple[dict[str, bytes], dict[str, bytes]]:
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
    """
    global _ENTRY_JOB
    ordered = order_documents(documents)
    multipliers = document_multipliers((doc.path for doc in ordered), boosts) if boosts else None
    scores_by_term, _ = postings(ordered, scorer)
    terms = sorted(scores_by_term, key=utf16_key)
    doc_freq = {term: len(scores_by_term[term]) for term in terms}
    total_postings = sum(doc_freq.values())

    workers = max(1, min(jobs, total_postings // MIN_POSTINGS_PER_WORKER))
    files: dict[str, bytes] = {}
    entries: dict[str, bytes] = {}
    if workers > 1 and can_fork():
        # Slices of about equal postings, a few per worker so a slow one does not hold the rest.
        slices: list[tuple[int, int]] = []
        target, start, size = total_postings / (workers * 4), 0, 0
        for index, term in enumerate(terms):
            size += doc_freq[term]
            if size >= target:
                slices.append((start, index + 1))
                start, size = index + 1, 0
        if start < len(terms):
            slices.append((start, len(terms)))
        _ENTRY_JOB = (scores_by_term, terms, len(ordered), settings, multipliers)
        try:
            with fork_pool(workers) as pool:
                for part_entries, part_files in pool.imap(_entries_of_slice, slices):
                    entries.update(part_entries)
                    files.update(part_files)
        finally:
            _ENTRY_JOB = None
    else:
        entries, files = _entries_of(terms, scores_by_term, len(ordered), settings, multipliers)
    del scores_by_term

    titles = _exact_titles(ordered, doc_freq)
    term_runs = _partition(
        [(term, len(entries[term]) + len(term.encode("utf-8")) + 4 + len(titles.get(term, b""))) for term in terms],
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
        listed = b",".join(titles[term] for term in terms[start:end] if term in titles)
        if listed:
            shard += b',"x":{' + listed + b"}"
        term_files.add(shard + b"}")

    lexicon_items = sorted(((_lexicon_key(t), t) for t in terms), key=lambda kv: utf16_key(kv[0]))
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
        doc_files.add(_json([_doc_record(doc) for doc in ordered[start : start + settings.docs_per_shard]]))

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


def _exact_titles(ordered: Sequence[AnalyzedDocument], doc_freq: Mapping[str, int]) -> dict[str, bytes]:
    """For each anchor term, its shard's ``"x"`` members: ``"title key":[doc, ...]``.

    Every document whose title has a key (:func:`~helpgen.search.titles.title_key`) is listed
    under it, in the shard of the key's :func:`~helpgen.search.titles.anchor` term, so a
    query equal to a title finds its documents in a shard it reads anyway.
    """
    by_key: dict[str, list[int]] = {}
    for number, doc in enumerate(ordered):
        key = title_key(doc.record[0])
        if key is not None:
            by_key.setdefault(key, []).append(number)
    members: dict[str, list[bytes]] = {}
    for key in sorted(by_key, key=utf16_key):
        key_terms = key.split(" ")
        if any(term not in doc_freq for term in key_terms):
            continue  # cannot happen (the title field has these terms); never a KeyError
        term = anchor(key_terms, doc_freq.__getitem__)
        members.setdefault(term, []).append(_json(key) + b":" + _json(by_key[key]))
    return {term: b",".join(parts) for term, parts in members.items()}


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


def _doc_record(doc: AnalyzedDocument) -> list[Any]:
    """``[title, path, category, status, excerpt]``; the kind follows from the number."""
    return list(doc.record)
