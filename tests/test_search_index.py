"""Search, Python side: tokens, the exported index, the query algorithm and its agreement with
Whoosh's own exhaustive ranking; and the JavaScript analyzer against Whoosh, word for word."""

from __future__ import annotations

import itertools
import json
import random
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpgen.build import build_site
from helpgen.cli import main
from helpgen.config import load_config
from helpgen.content.snapshot import load_snapshot
from helpgen.render.pages import SiteSettings, plan_pages
from helpgen.search import SearchEngine, export_index, search_documents
from helpgen.search._whoosh import analyze, build_whoosh_index, ends_in_word, reference_search, term_of, words
from helpgen.search.documents import SearchDocument, markdown_text
from helpgen.search.export import MANIFEST, IndexSettings, order_documents
from helpgen.search.text import all_bmp, sorted_utf16, utf16_key, within_one_edit
from helpgen.search.titles import anchor
from tests.conftest import EXAMPLE_SITE
from tests.htmltools import parse

SEARCH_JS = Path(__file__).resolve().parent.parent / "themes" / "default" / "static" / "search.js"

HARD_CASES = [
    "running runs runner ran", "customer's customers' O'Neil's", "well-known e-mail re-sync x-ray",
    "3.5 v2.3.1 2024-01-31 1,000.50 10% #42 0x1F", "naïve café résumé Zürich São Paulo façade",
    "nai\u0308ve cafe\u0301 (decomposed accents)", "ΣΊΣΥΦΟΣ Σίσυφος ΟΔΟΣ", "İstanbul ǅemal ẞtraße STRASSE",
    "日本語のテキスト 適格請求書（インボイス制度）に対応していますか？", "中文搜索 한국어 검색 Ελληνικά кириллица",
    "emoji 🎉 party🎉time 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𠀀𠀁 text", "snake_case __proto__ constructor toString hasOwnProperty",
    "wild*card foo*bar *stars* e.g. i.e. U.S.A. node.js", "yes yield eyes yyyy y ye youth",
    "generalizations oscillators sensational hopefulness relational conditional",
    "agreed feed bled sing hoping hopping fizzed falling", "a an the is tbd to be or not",
    "ababab mississippi caresses ponies ties caress cats", "ⅫⅣ ① ²³ ٣٤٥ ๓๔ 〇〡", "\u200bzero\u200dwidth joiners",
]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def example_pages():
    config = load_config(EXAMPLE_SITE, environ={})
    snapshot = load_snapshot(config.snapshot_dir)
    pages, _ = plan_pages(snapshot, SiteSettings(title="Kettle"))
    return pages


@pytest.fixture(scope="module")
def example_documents(example_pages):
    return search_documents(example_pages)


def _engine(files):
    return SearchEngine(lambda path: files[path])


@pytest.fixture(scope="module")
def example_index(example_documents):
    return export_index(example_documents)


@pytest.fixture(scope="module")
def tiny_tiers_index(example_documents):
    """The example corpus with tiers and blocks so small that every query reads them."""
    return export_index(example_documents, IndexSettings(top=2, tier_growth=2, block=3, shard_bytes=300, lexicon_bytes=200))


@pytest.fixture(scope="module")
def whoosh_example(example_documents):
    return build_whoosh_index(doc.fields for doc in order_documents(example_documents))


def _corpus_texts(documents) -> list[str]:
    texts = []
    for doc in documents:
        texts.extend([doc.title, doc.excerpt, doc.category, *doc.fields.values()])
    return [t for t in texts if t]


# --------------------------------------------------------------------------- tokens


def test_query_tokens_are_whooshs_analyzer_split_in_two(example_documents) -> None:
    for text in _corpus_texts(example_documents) + HARD_CASES:
        assert [t for t in (term_of(w) for w in words(text)) if t is not None] == analyze(text)


def test_whooshs_porter_stemmer_is_the_one_indexed() -> None:
    # Not the textbook Porter stemmer: Whoosh anchors its step 1b patterns at the start.
    assert analyze("running hopping caresses ponies generalization") == ["runn", "hopp", "caress", "poni", "gener"]
    assert analyze("The IS a") == []


def test_a_query_ends_in_a_word_only_when_nothing_follows_it() -> None:
    assert ends_in_word("refund pa")
    assert not ends_in_word("refund pa ")
    assert not ends_in_word("pa.")
    assert not ends_in_word("")


def _node_analyze(texts: list[str]) -> list[list[str]]:
    script = (
        "const s = require(process.argv[1]); let input = '';"
        "process.stdin.on('data', d => input += d);"
        "process.stdin.on('end', () => { const texts = JSON.parse(input);"
        "process.stdout.write(JSON.stringify(texts.map(t => [s.analyze(t), s.words(t), s.endsInWord(t)]))); });"
    )
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (the browser test checks the same in Chromium)")
    done = subprocess.run(
        [node, "-e", script, str(SEARCH_JS)], input=json.dumps(texts), capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def test_search_js_tokenises_and_stems_exactly_like_whoosh(example_documents) -> None:
    texts = _corpus_texts(example_documents) + HARD_CASES
    every_word = sorted({w for text in texts for w in re.split(r"\s+", text) if w})
    samples = texts + every_word
    results = _node_analyze(samples)
    mismatches = [
        (text, js_terms, analyze(text))
        for text, (js_terms, js_words, js_end) in zip(samples, results)
        if js_terms != analyze(text) or js_words != words(text) or js_end != ends_in_word(text)
    ]
    assert not mismatches, mismatches[:10]
    assert len(every_word) > 2000  # every word of the example corpus, one by one


def test_search_js_stemmer_on_a_large_generated_word_list() -> None:
    rng = random.Random(3)
    suffixes = ["", "s", "es", "ies", "ed", "ing", "ly", "ness", "ful", "ation", "ational", "izer", "ement", "ousli", "ize", "eed", "y", "e", "ll"]
    stems = ["connect", "relat", "hop", "fil", "generaliz", "happ", "caress", "sky", "yell", "agre", "control", "roll", "bake", "plan", "tr", "y"]
    samples = [a + b for a, b in itertools.product(stems, suffixes)]
    letters = "aeiouybcdlmnrstz"
    samples += ["".join(rng.choice(letters) for _ in range(rng.randint(1, 12))) for _ in range(3000)]
    results = _node_analyze(samples)
    assert [r[0] for r in results] == [analyze(s) for s in samples]


# --------------------------------------------------------------------------- documents


def test_markdown_text_keeps_headings_apart_and_drops_markup() -> None:
    text = markdown_text(
        "# Title\n\nHello **world** <b>x</b> ![diagram](a.png)\n\n## Sub *head*\n\n```py\ncode()\n```\n\n"
        "<div>raw &amp; html</div>\n\n| a | b |\n|---|---|\n| c | d |",
        raw_html=True,
    )
    assert text.headings == "Title Sub head"
    assert text.body == "Hello world x diagram code() raw & html a b c d"
    assert markdown_text("<b>shown as text</b>", raw_html=False).body == "<b>shown as text</b>"


def test_documents_cover_every_article_and_post_with_their_fields(example_pages, example_documents) -> None:
    kinds = [p.kind for p in example_pages]
    assert sum(d.kind == "article" for d in example_documents) == kinds.count("article")
    assert sum(d.kind == "post" for d in example_documents) == kinds.count("post")
    refund = next(d for d in example_documents if d.title == "Refund a payment")
    assert refund.category == "Payments" and refund.category_key == "c:payments"
    assert refund.fields["headings"] and "refund" in refund.fields["body"].lower()
    answered = [d for d in example_documents if d.kind == "post" and d.status == "officially_answered"]
    assert answered and all(d.fields["answer"] for d in answered)


# --------------------------------------------------------------------------- export


def test_export_is_a_pure_function_of_the_documents(example_documents, example_index) -> None:
    again = export_index(list(example_documents))
    assert again.files == example_index.files
    assert MANIFEST in example_index.files
    for path in example_index.files:
        if path != MANIFEST:
            assert re.search(r"[./][0-9a-f]{10}\.json$|/p/[a-z2-7]{12}\.json$", path), path


def test_changing_one_document_renames_only_the_files_it_touches(example_documents, example_index) -> None:
    docs = list(example_documents)
    position = next(i for i, d in enumerate(docs) if d.kind == "post")
    docs[position] = replace(docs[position], title=docs[position].title + " zyzzyva")
    changed = export_index(docs).files
    same = set(changed) & set(example_index.files)
    assert len(same) > len(example_index.files) / 2
    assert set(changed) != set(example_index.files)


# --------------------------------------------------------------------------- queries


def _top(engine, query, **kwargs):
    result = engine.search(query, **kwargs)
    return [engine.document(hit.doc).title for hit in result.hits], result


def test_exact_title_words_rank_their_article_first(example_index) -> None:
    engine = _engine(example_index.files)
    assert _top(engine, "refund")[0][0] == "Refund a payment"
    assert _top(engine, "two-factor authentication")[0][0] == "Turn on two-factor authentication"
    assert _top(engine, "webhooks")[0][0] == "Receive events with webhooks"


def test_the_last_word_is_completed_while_typing(example_index) -> None:
    engine = _engine(example_index.files)
    titles, result = _top(engine, "refu", complete_last=True)
    assert titles[0] == "Refund a payment"
    assert result.words[-1].how == "prefix" and "refund" in result.words[-1].terms
    assert _top(engine, "refu", complete_last=False)[0] == []
    assert _top(engine, "refu ", complete_last=True)[0] == []  # a space ends the word


def test_one_typo_is_forgiven_including_a_swap(example_index) -> None:
    engine = _engine(example_index.files)
    for typo in ("refnud", "refunf", "rrefund", "refun", "webhoks"):
        titles, result = _top(engine, typo, complete_last=False)
        assert result.words[0].how == "typo", typo
        assert titles and titles[0] in ("Refund a payment", "Receive events with webhooks"), (typo, titles)
    assert _top(engine, "rfeund xyz", complete_last=False)[1].words[0].how == "typo"
    assert _top(engine, "qqqqqq", complete_last=False)[0] == []


def test_within_one_edit() -> None:
    assert within_one_edit("refund", "refnud") and within_one_edit("refund", "refun")
    assert within_one_edit("refund", "reffund") and within_one_edit("abc", "abd")
    assert not within_one_edit("refund", "rfenud") and not within_one_edit("ab", "abcd")
    assert within_one_edit("日本語", "日本") and not within_one_edit("abcd", "badc")


def test_utf16_order_with_and_without_characters_beyond_the_bmp() -> None:
    # JavaScript compares UTF-16 code units: U+20000 (a surrogate pair, D840 DC00) sorts
    # before U+FF41, though its code point is higher.
    bmp = ["zeta", "alpha", "\uff41b", "é"]
    assert all_bmp(bmp) and sorted_utf16(bmp) == sorted(bmp, key=utf16_key) == sorted(bmp)
    wide = bmp + ["\U00020000x"]
    assert not all_bmp(wide) and sorted_utf16(wide) == sorted(wide, key=utf16_key) != sorted(wide)
    pairs = [(term, n) for n, term in enumerate(wide)]
    assert sorted_utf16(pairs, key=lambda pair: pair[0]) == sorted(pairs, key=lambda pair: utf16_key(pair[0]))


def test_a_titles_anchor_is_its_rarest_term_then_the_first_in_utf16_order() -> None:
    rng = random.Random(3)
    vocabulary = ["refund", "pay", "\uff41pi", "\U00020000k", "kei", "rotat", "a"]
    for _ in range(500):
        terms = rng.sample(vocabulary, rng.randint(1, 5))
        frequency = {term: rng.randint(1, 3) for term in vocabulary}
        expected = min(terms, key=lambda term: (frequency[term], utf16_key(term)))
        assert anchor(terms, frequency.__getitem__) == expected


def test_terms_beyond_the_bmp_are_found_in_their_shard() -> None:
    # Small shards, so that the terms spread over many and each must be in the right one.
    words = [f"w{n:03d}" for n in range(60)] + ["\uff41\uff42", "\U00020000\U00020001", "\U0001d400x", "\ufb01n"]
    docs = [
        SearchDocument("article", f"articles/a{i}/", word, "", "", "", "", "", {"title": word, "body": f"{word} common"})
        for i, word in enumerate(words)
    ]
    engine = _engine(export_index(docs, IndexSettings(shard_bytes=200, lexicon_bytes=200)).files)
    manifest_keys = engine.manifest["terms"]["keys"]
    assert len(manifest_keys) > 10 and manifest_keys == sorted(manifest_keys, key=utf16_key)
    for number, word in enumerate(words):
        (term,) = analyze(word)
        assert [hit.doc for hit in engine.search(term, complete_last=False).hits] == [number], word


def test_and_first_then_or(example_index) -> None:
    engine = _engine(example_index.files)
    both = engine.search("refund payment", complete_last=False)
    assert both.mode == "all"
    none_has_both = engine.search("refund zapier", complete_last=False)
    assert none_has_both.mode == "any" and none_has_both.hits
    assert engine.search("qqqq zzzz", complete_last=False).mode == "none"


def test_cjk_text_is_searchable_by_its_exact_token(example_index) -> None:
    engine = _engine(example_index.files)
    titles, _ = _top(engine, "適格請求書", complete_last=False)
    assert titles[0] == "適格請求書（インボイス制度）に対応していますか？"
    assert _top(engine, "インボイス制度", complete_last=False)[0][0].startswith("適格請求書")


def test_filters_by_type_and_category(example_index) -> None:
    engine = _engine(example_index.files)
    posts = engine.search("invoice", kind="post", limit=50)
    assert posts.hits and all(engine.document(h.doc).kind == "post" for h in posts.hits)
    payments = engine.search("invoice", category="c:payments", limit=50)
    assert payments.hits and all(engine.document(h.doc).category == "Payments" for h in payments.hits)
    assert engine.search("invoice", kind="post", category="c:payments").hits == ()


def _queries(documents, rng, count):
    vocabulary = sorted({w for d in documents for w in words(d.title) if term_of(w)})
    queries = []
    for _ in range(count):
        size = rng.choice([1, 1, 2, 2, 3])
        picked = " ".join(rng.sample(vocabulary, size))
        if rng.random() < 0.3:
            picked = picked[: max(2, len(picked) - rng.randint(1, 3))]
        queries.append(picked)
    return queries


def _reference(whoosh, result, kind_range=None):
    groups = []
    for word in result.words:
        if word.how != "stop" and list(word.terms) not in groups:
            groups.append(list(word.terms))
    ranked = reference_search(whoosh, groups, require_all=True)
    if kind_range:
        ranked = [(d, s) for d, s in ranked if kind_range[0] <= d < kind_range[1]]
    if not ranked:
        ranked = reference_search(whoosh, groups, require_all=False)
        if kind_range:
            ranked = [(d, s) for d, s in ranked if kind_range[0] <= d < kind_range[1]]
    return ranked


def _same_ranking(hits, ranked, groups: int) -> bool:
    """True when the top ten are Whoosh's; else fail unless they differ only by ties.

    Scores are stored to 1/1000 (``IndexSettings.scale``), so two documents whose Whoosh
    scores differ by less than the rounding of their terms may come out in either order.
    """
    ours, theirs = [h.doc for h in hits], [d for d, _ in ranked[: len(hits) or 10]]
    if ours == theirs:
        return True
    whoosh_score = dict(ranked)
    tolerance = 0.0005 * 2 * groups + 1e-9
    assert len(ours) == len(theirs)
    for doc, (_, expected) in zip(ours, ranked):
        assert abs(whoosh_score[doc] - expected) <= tolerance, (ours, theirs)
    return False


@pytest.mark.parametrize("index_name", ["example_index", "tiny_tiers_index"])
def test_top_ten_equals_whooshs_exhaustive_ranking(request, index_name, example_documents, whoosh_example) -> None:
    files = request.getfixturevalue(index_name).files
    rng = random.Random(11)
    compared = exact = 0
    for query in _queries(example_documents, rng, 150):
        for complete_last in (True, False):
            engine = _engine(files)
            result = engine.search(query, limit=10, complete_last=complete_last)
            ranked = _reference(whoosh_example, result)
            exact += _same_ranking(result.hits, ranked, len(result.words))
            for hit in result.hits:
                assert abs(hit.score / 1000 - dict(ranked)[hit.doc]) <= 0.0005 * len(result.words) + 1e-9
            compared += 1
    assert compared == 300
    assert exact >= 0.97 * compared


def test_filtered_top_ten_equals_whoosh_on_the_filtered_documents(tiny_tiers_index, example_documents, whoosh_example) -> None:
    articles = sum(d.kind == "article" for d in example_documents)
    count = len(example_documents)
    for query in _queries(example_documents, random.Random(5), 60):
        for kind, span in (("article", (0, articles)), ("post", (articles, count))):
            engine = _engine(tiny_tiers_index.files)
            result = engine.search(query, kind=kind, complete_last=False)
            ranked = _reference(whoosh_example, result, span)
            _same_ranking(result.hits, ranked, len(result.words))


def test_tiers_and_blocks_are_read_only_as_needed(tiny_tiers_index) -> None:
    engine = _engine(tiny_tiers_index.files)
    result = engine.search("invoice payment", complete_last=False)
    read = result.files_read
    assert any("/p/" in f for f in read)  # the tiny tiers had to be read...
    every_posting_file = [f for f in tiny_tiers_index.files if "/p/" in f]
    assert len([f for f in read if "/p/" in f]) < len(every_posting_file) / 4  # ...but not all of them


def test_hostile_text_is_stored_as_text(example_index) -> None:
    engine = _engine(example_index.files)
    titles, _ = _top(engine, "bold tags", complete_last=False)
    assert "Invoice notes show <b>tags</b> instead of bold text" in titles


def test_an_empty_site_has_an_empty_index() -> None:
    exported = export_index([])
    engine = _engine(exported.files)
    assert engine.search("anything").hits == ()


def test_documents_with_unusual_terms_do_not_break_the_index() -> None:
    docs = [
        SearchDocument("article", f"articles/a{i}/", title, "", "", "", "", "", {"title": title, "body": body})
        for i, (title, body) in enumerate(
            [("__proto__ constructor", "hasOwnProperty toString"), ("x" * 100, "y " * 10 + "w" * 3000), ("日本語のテキスト", "中文")]
        )
    ]
    engine = _engine(export_index(docs).files)
    assert [h.doc for h in engine.search("__proto__").hits] == [0]
    assert [h.doc for h in engine.search("constructor", complete_last=False).hits] == [0]
    assert [h.doc for h in engine.search("日本語のテキスト").hits] == [2]
    assert [h.doc for h in engine.search("x" * 100).hits] == [1]
    assert engine.search("w" * 3000).mode == "none"  # words over 100 characters are not indexed


# --------------------------------------------------------------------------- the built site and the CLI


@pytest.fixture(scope="module")
def built_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("search-site") / "site"
    config = load_config(EXAMPLE_SITE, overrides={"out_dir": out}, environ={})
    report = build_site(replace(config, analytics=False, cache_dir=out.parent / "cache"))
    assert "search" in report.seconds
    return out


def test_the_build_publishes_the_index_and_the_search_pages(built_example: Path) -> None:
    assert (built_example / MANIFEST).is_file()
    manifest = json.loads((built_example / MANIFEST).read_text())
    assert manifest["docs"]["count"] == 45 + 35
    search_page = parse(built_example / "search" / "index.html")
    assert search_page.find_all("ol", id="search-results")
    assert search_page.find_all("a", href="../search/a-z/r/")
    assert "Payments" in search_page.text_of("section", **{"aria-labelledby": "search-categories-title"})
    letter = parse(built_example / "search" / "a-z" / "r" / "index.html")
    assert "Refund a payment" in letter.text_of("ul", class_="az-list")
    article = parse(next((built_example / "articles").glob("refund-a-payment-*/index.html")))
    form = article.find_all("form", role="search")[0]
    assert form.attrs["action"] == "../../search/"
    assert form.attrs["data-search-index"] == "../../search/manifest.json"
    assert any(s.attrs.get("src", "").startswith("../../assets/search.") for s in article.find_all("script"))


def test_helpgen_search_prints_ranked_results(built_example: Path) -> None:
    runner = CliRunner()
    done = runner.invoke(main, ["search", "refund", str(EXAMPLE_SITE), "--out", str(built_example), "-n", "3"])
    assert done.exit_code == 0, done.output
    assert done.output.splitlines()[0].startswith("  1. Refund a payment  [article, Payments]")
    typo = runner.invoke(main, ["search", "refnud", str(EXAMPLE_SITE), "--out", str(built_example), "--json"])
    data = json.loads(typo.output)
    assert data["words"][0]["how"] == "typo" and data["results"][0]["title"] == "Refund a payment"
    missing = runner.invoke(main, ["search", "refund", str(EXAMPLE_SITE), "--out", str(built_example.parent / "nowhere")])
    assert missing.exit_code == 1 and "build the site first" in missing.output


# --------------------------------------------------------------------------- the A-Z pages


def test_az_letters_fold_accents_and_split_long_letters_into_pages() -> None:
    from helpgen.render.pages import ArticleLink, Crumb, Page
    from helpgen.render.search_pages import AZ_PAGE_SIZE, az_key, plan_search_pages

    assert [az_key(t) for t in ("Éclair", "ábc", "  zebra", "42 ways", "Ωmega", "日本", "¿Qué?", "")] == [
        "e", "a", "z", "0-9", "other", "other", "q", "other"
    ]
    titles = [f"Setting {n:04d}" for n in range(AZ_PAGE_SIZE * 2 + 5)] + ["Alpha", "Ärger", "Ωmega"]
    links = [ArticleLink(t, f"a{i}", f"articles/a{i}/", "", None, None, 0, None, None) for i, t in enumerate(titles)]
    pages = plan_search_pages(
        categories=[], topics=[], articles=links, popular=links[:20], common={"nav": None}, home=Crumb("Home", ""),
        crumb=Crumb, page=Page,
    )
    by_path = {p.path: p for p in pages}
    assert len(by_path["search/"].context["popular"]) == 10
    s_pages = [by_path["search/a-z/s/"], by_path["search/a-z/s/2/"], by_path["search/a-z/s/3/"]]
    assert [len(p.context["articles"]) for p in s_pages] == [AZ_PAGE_SIZE, AZ_PAGE_SIZE, 5]
    assert s_pages[1].context["prev_path"] == "search/a-z/s/" and s_pages[1].context["next_path"] == "search/a-z/s/3/"
    assert [a.title for a in by_path["search/a-z/a/"].context["articles"]] == ["Alpha", "Ärger"]
    letters = {l.key: l for l in by_path["search/"].context["letters"]}
    assert letters["b"].path is None and letters["s"].count == AZ_PAGE_SIZE * 2 + 5
    assert letters["other"].path == "search/a-z/other/"


def test_posting_files_are_named_by_their_own_content_and_search_js_agrees() -> None:
    """Format 2: each tier and block file is named by a hash of its bytes, so an edit renames
    only the files it changes; search.js cuts the same tag length out of a term's entry."""
    from helpgen.search.export import FORMAT, TAG_LENGTH, posting_tag

    words_ = [f"word{n}" for n in range(40)]
    docs = [
        SearchDocument(kind="article", title=f"Doc {n}", path=f"articles/d{n}/", category="", category_key="",
                       status="", status_label="", excerpt="", fields={"body": " ".join(["common"] * (1 + n % 7) + words_[: n % 40])})
        for n in range(300)
    ]
    exported = export_index(docs, IndexSettings(top=4, block=16))
    postings = {path: data for path, data in exported.files.items() if path.startswith("search/p/")}
    assert postings, "a term frequent enough for tiers and blocks"
    for path, data in postings.items():
        assert path == f"search/p/{posting_tag(data)}.json"
    assert json.loads(exported.files[MANIFEST])["format"] == FORMAT == 2
    script = SEARCH_JS.read_text(encoding="utf-8")
    assert re.search(rf"\bvar TAG = {TAG_LENGTH};", script)
