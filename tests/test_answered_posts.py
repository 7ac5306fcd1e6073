"""Answered questions: the official answer is shown first under the question, and search
finds the post by the answer's words (the index's ``answer`` field)."""

from __future__ import annotations

import json

from dataclasses import replace
from pathlib import Path

from click.testing import CliRunner

from helpgen.build import build_site
from helpgen.config import load_config
from helpgen.content.snapshot import load_snapshot, save_snapshot
from helpgen.cstar._models import Comment, PostThread
from helpgen.cli import main


def test_the_official_answer_comes_first_and_is_searchable(example_copy: Path) -> None:
    snapshot = load_snapshot(example_copy / "snapshot")
    base = snapshot.threads[0]
    question = replace(
        base.post, id="pst_printer", slug="printer-jams-on-every-invoice", title="Printer jams on every invoice",
        body="My printer jams whenever I print an invoice. Any idea?", status="officially_answered", comment_count=3,
    )
    comments = (
        Comment(id="c_first", body="Same here, wombatflux did not help.", author_name="Ana", created_at="2026-11-01T10:00:00Z"),
        Comment(id="c_second", body="Following.", author_name="Ben", created_at="2026-11-02T10:00:00Z"),
        Comment(
            id="c_official", body="Turn off **zyxquokka** duplex mode in the print dialog.", author_name="Kettle team",
            is_official=True, created_at="2026-11-03T10:00:00Z",
        ),
    )
    save_snapshot(
        replace(snapshot, threads=snapshot.threads + (PostThread(post=question, comments=comments),)),
        example_copy / "snapshot",
    )
    build_site(load_config(example_copy, environ={}))
    site = example_copy / "_site"

    page = (site / "community" / "posts" / question.slug / "index.html").read_text()
    html = page[page.index("<body") :]  # what the reader sees (the head may carry structured data)
    question_at = html.index("My printer jams")
    answer_at = html.index('class="official-answer"')
    comments_at = html.index('class="comments-section"')
    assert question_at < answer_at < comments_at  # the answer right under the question, before any comment
    answer_section = html[answer_at : html.index("</section>", answer_at)]
    assert "Official answer" in answer_section and "zyxquokka" in answer_section
    assert html.index("Same here") > comments_at

    def search(query: str) -> list[dict]:
        result = CliRunner().invoke(main, ["search", query, str(example_copy), "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.output)["results"]

    found = search("zyxquokka")
    assert [(r["path"], r["kind"], r["status"]) for r in found] == [
        (f"community/posts/{question.slug}/", "post", "officially_answered")
    ]
    # Only the official answer is indexed with the post, not every comment.
    assert search("wombatflux") == []
