"""The models' fast reading of plain objects gives exactly what the detailed reading gives.

``from_api`` reads an object in the contract's own shape with nothing wrong through a fast
path (each model's ``_PLAN``, a ``_models._Plan``) and everything else through the detailed
reading that also words the problems (``_checks.py``). A JSON object is a ``dict``; any other mapping always
takes the detailed reading, so wrapping the same data in ``MappingProxyType`` gives the
reference to compare with: equal models, equal problems, equal ``extra``, and the same
Python types in every field, for generated objects near the contract's shape (missing keys,
nulls, wrong types, other key spellings, unknown keys, bad dates, lone surrogates).
"""

from __future__ import annotations

import dataclasses
import json
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpgen.cstar._models import Article, Attachment, Category, Comment, Post, PostThread, Topic

# ------------------------------------------------------------------------------------------
# Generated objects


def _detailed(value: Any) -> Any:
    """``value`` with every object a read-only mapping: the detailed reading, all the way down."""
    if isinstance(value, dict):
        return MappingProxyType({k: _detailed(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_detailed(v) for v in value]
    return value


_TIMESTAMPS = st.sampled_from(
    ["2026-03-01T09:30:00Z", "2026-03-01", "2026-03-01T09:30:00.123+02:00", " 2026-03-01T09:30:00z ",
     "2026-02-30T00:00:00Z", "yesterday", "", "2026-13-01"]
)
_VALID_TIMESTAMPS = st.datetimes().map(lambda d: d.isoformat(timespec="seconds") + "Z")
_TEXTS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "x \ud800 y", "\udfff", "a-slug", "Ünïcode", "published", "true", "12", "2.5"]),
)
_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), _TEXTS, _TIMESTAMPS,
)
_VALUES = st.one_of(
    _SCALARS,
    st.lists(
        st.one_of(_TEXTS, st.none(), st.integers(), st.dictionaries(st.sampled_from(["name", "slug", "url"]), _TEXTS, max_size=2)),
        max_size=3,
    ),
    st.dictionaries(st.sampled_from(["id", "slug", "name", "filename", "url"]), _SCALARS, max_size=3),
)


def _plausible(key: str, wild: bool) -> st.SearchStrategy[Any]:
    """Values a field is likely to hold; when ``wild``, sometimes anything at all."""
    snake = "".join("_" + c.lower() if c.isupper() else c for c in key)
    if snake.endswith(("_at",)):
        likely = st.one_of(*[_VALID_TIMESTAMPS] * 4, _TIMESTAMPS, st.none())
    elif snake.endswith(("_count", "_order", "_bytes")):
        likely = st.integers(min_value=0, max_value=10**6)
    elif snake.startswith("is_"):
        likely = st.booleans()
    elif snake in ("tags",):
        likely = st.lists(_TEXTS, max_size=4)
    elif snake == "attachments":
        likely = st.lists(_objects(Attachment._PLAN.fields, ()), max_size=2)
    else:
        likely = st.one_of(_TEXTS, st.none())
    return st.one_of(likely, likely, likely, _VALUES) if wild else likely


def _objects(plan: Any, other_keys: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    """Objects whose keys are mostly the contract's, in any order, sometimes with other ones;
    about half of them close enough to the contract to take the fast reading."""
    return st.one_of(_objects_with(plan, other_keys, wild=True), _objects_with(plan, (), wild=False))


def _objects_with(plan: Any, other_keys: tuple[str, ...], wild: bool) -> st.SearchStrategy[dict[str, Any]]:
    keys = [key for key, _ in plan]
    snake = ["".join("_" + c.lower() if c.isupper() else c for c in k) for k in keys]
    camel = [k.split("_")[0] + "".join(p.title() for p in k.split("_")[1:]) for k in keys]
    spellings = sorted({*snake, *camel} - set(keys))
    others = [*spellings, *other_keys, "unknownField", "x"]
    extra = st.lists(st.sampled_from(others), max_size=2) if wild else st.just([])
    return st.tuples(st.lists(st.sampled_from(keys), unique=True), extra, st.randoms(use_true_random=False)).flatmap(
        lambda chosen: st.fixed_dictionaries(
            {k: _plausible(k, wild) for k in chosen[2].sample(chosen[0] + chosen[1], len(chosen[0] + chosen[1]))}
        )
    )


def _threads() -> st.SearchStrategy[dict[str, Any]]:
    comments = st.one_of(st.lists(_objects(Comment._PLAN.fields, ()), max_size=3), st.none(), _VALUES)
    post = st.one_of(_objects(Post._PLAN.fields, ("topic",)), _VALUES)
    return st.one_of(
        st.fixed_dictionaries({"post": post, "comments": comments}),
        st.fixed_dictionaries({"post": post}),
        st.fixed_dictionaries({"post": post, "comments": comments, "extra": _VALUES}),
        _objects(Post._PLAN.fields, ("comments",)),  # a bare post carrying its comments
    )


# ------------------------------------------------------------------------------------------
# Comparison


def _same(fast: Any, reference: Any) -> None:
    assert type(fast) is type(reference)
    if dataclasses.is_dataclass(fast):
        for f in dataclasses.fields(fast):
            _same(getattr(fast, f.name), getattr(reference, f.name))  # problems too (compare=False)
    elif isinstance(fast, tuple):
        assert len(fast) == len(reference)
        for a, b in zip(fast, reference):
            _same(a, b)
    elif isinstance(fast, float) and fast != fast:
        assert reference != reference  # NaN kept in extra
    else:
        assert fast == reference


_GENERATED = {
    Article: _objects(Article._PLAN.fields, ("category", "view_count")),
    Category: _objects(Category._PLAN.fields, ()),
    Topic: _objects(Topic._PLAN.fields, ()),
    Post: _objects(Post._PLAN.fields, ("topic",)),
    Comment: _objects(Comment._PLAN.fields, ()),
    PostThread: _threads(),
}


@pytest.mark.parametrize("model", list(_GENERATED), ids=lambda model: model.__name__)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_fast_reading_gives_what_the_detailed_one_gives(model: Any, data: st.DataObject) -> None:
    raw = data.draw(_GENERATED[model])
    _same(model.from_api(raw), model.from_api(_detailed(raw)))


def test_a_plain_article_takes_the_fast_reading_and_a_flawed_one_is_still_reported() -> None:
    plain = {
        "id": "a1", "title": "T", "slug": "t", "excerpt": "e", "content": "# Hi", "categoryId": "c1",
        "categorySlug": "c", "categoryName": "C", "tags": ["x", ""], "status": "published", "isPublic": True,
        "viewCount": 3, "helpfulCount": 1, "notHelpfulCount": 0, "readTime": "2 min", "metaDescription": None,
        "publishedAt": "2026-03-01T09:30:00Z", "createdAt": None, "updatedAt": "2026-03-02",
    }
    article = Article.from_api(plain)
    assert article.problems == () and article.extra == {} and article.tags == ("x",)
    assert Article.from_api(json.loads(json.dumps(plain))) == article
    # One flaw anywhere: the detailed reading, with the problem worded.
    for key, bad, problem in [
        ("viewCount", "7", "viewCount: expected a number, got text ('7'); using 7"),
        ("status", None, "status: null; using 'published'"),
        ("updatedAt", "soon", "updatedAt: not a valid date 'soon'; left out"),
        ("tags", ["x", 3], "tags: item 2 is a number (3), not text; using it as text"),
    ]:
        assert Article.from_api({**plain, key: bad}).problems == (problem,)
    assert Article.from_api({**plain, "flavour": "mint"}).extra == {"flavour": "mint"}
