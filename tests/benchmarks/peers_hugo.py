"""Export a snapshot as a Hugo site (content, layouts, config) for the peer benchmark.

A minimal but fair Hugo equivalent of helpgen's default theme, written here because no theme
can be downloaded:

- ``content/articles/NAME.md``: every article, front matter ``title``, ``description``
  (excerpt), ``date``/``lastmod``, ``categories`` (one term, the category), ``weight`` (its
  place in the category), ``read_time``, ``tags_list``; the body is the article's Markdown with
  site links pointed at Hugo's URLs.
- ``content/posts/NAME.md``: every community thread (post, attachments, comments), with the
  ``topics`` taxonomy, status, author, votes.
- ``content/categories/KEY/_index.md`` and ``content/topics/KEY/_index.md``: the term pages'
  titles, descriptions and order; ``/categories/`` lists categories, ``/topics/`` is the
  community home.
- ``layouts/``: a base with header, category navigation and the Pagefind search box;
  breadcrumbs and previous/next within the category (or topic) on every article (or post);
  term pages listing every member; a home page with categories, popular articles and topics;
  GitHub-style callouts through a blockquote render hook; a 404 page.

Raw HTML in any Markdown is dropped by Hugo's Goldmark renderer (``unsafe = false``, the
default), and templates are auto-escaped, so customer text is inert without extra work here.
RSS, sitemap and robots.txt are disabled (helpgen makes none).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from helpgen.content.snapshot import Snapshot
from tests.benchmarks.peers_content import (
    PeerSite,
    front_matter,
    peer_site,
    rewrite_links,
    thread_markdown,
    write_tree,
)

__all__ = ["hugo_site_files", "write_hugo_site", "HUGO_LAYOUTS"]


def _config(site: PeerSite) -> str:
    # JSON strings are valid TOML basic strings for everything a title holds.
    return f"""baseURL = "/"
title = {json.dumps(site.title, ensure_ascii=False)}
languageCode = "en"
disableKinds = ["rss", "sitemap", "robotsTXT"]

[params]
description = {json.dumps(site.description, ensure_ascii=False)}

[taxonomies]
category = "categories"
topic = "topics"

[markup.goldmark.renderer]
unsafe = false

[markup.tableOfContents]
startLevel = 2
endLevel = 3
"""


HUGO_LAYOUTS: dict[str, str] = {
    "baseof.html": """<!doctype html>
<html lang="{{ site.Language.LanguageCode | default "en" }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ if .IsHome }}{{ site.Title }}{{ else }}{{ .Title }} · {{ site.Title }}{{ end }}</title>
<meta name="description" content="{{ with .Description }}{{ . }}{{ else }}{{ site.Params.description }}{{ end }}">
<link rel="stylesheet" href="{{ "style.css" | relURL }}">
<link rel="stylesheet" href="{{ "pagefind/pagefind-ui.css" | relURL }}">
</head>
<body>
<header class="site-header">
  <div class="header-bar">
    <a class="brand" href="{{ "/" | relURL }}">{{ site.Title }}</a>
    <nav class="header-links" aria-label="Sections"><ul>
      <li><a href="{{ "/" | relURL }}">Help articles</a></li>
      <li><a href="{{ "topics/" | relURL }}">Community</a></li>
    </ul></nav>
    <div id="search" role="search"></div>
  </div>
  {{ partial "category-nav.html" . }}
</header>
<main class="container">
{{ block "main" . }}{{ end }}
</main>
<footer class="site-footer"><p>{{ site.Title }}</p></footer>
<script src="{{ "pagefind/pagefind-ui.js" | relURL }}"></script>
<script>window.addEventListener("DOMContentLoaded", function () { new PagefindUI({ element: "#search", showSubResults: true }); });</script>
</body>
</html>
""",
    "_partials/category-nav.html": """{{- $current := "" }}{{ with .Params.categories }}{{ $current = index . 0 }}{{ end }}
{{- if eq .Kind "term" }}{{ if eq .Data.Plural "categories" }}{{ $current = .Data.Term }}{{ end }}{{ end -}}
<nav class="category-nav" aria-label="Categories"><ul>
{{- range (site.GetPage "/categories").Pages.ByWeight }}
  <li><a href="{{ .RelPermalink }}"{{ if eq .Data.Term $current }} class="is-active" aria-current="page"{{ end }}>{{ .Title }}</a></li>
{{- end }}
</ul></nav>
""",
    "_partials/breadcrumbs.html": """<nav class="breadcrumbs" aria-label="Breadcrumb"><ol>
  <li><a href="{{ "/" | relURL }}">Home</a></li>
  {{- range .crumbs }}
  <li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>
  {{- end }}
  <li><span aria-current="page">{{ .page.Title }}</span></li>
</ol></nav>
""",
    # Pages.Next/Prev walk towards the start/end of the collection: "Next" is the earlier one.
    "_partials/pager.html": """{{- $prev := .pages.Next .page }}{{ $next := .pages.Prev .page -}}
{{- if or $prev $next }}
<nav class="pager" aria-label="Previous and next">
  {{- with $prev }}<a class="pager-prev" rel="prev" href="{{ .RelPermalink }}"><span>Previous</span> {{ .Title }}</a>{{ end }}
  {{- with $next }}<a class="pager-next" rel="next" href="{{ .RelPermalink }}"><span>Next</span> {{ .Title }}</a>{{ end }}
</nav>
{{- end }}
""",
    "home.html": """{{ define "main" }}
<header class="page-header"><h1>{{ site.Title }}</h1><p class="lead">{{ site.Params.description }}</p></header>
<section aria-labelledby="categories-title">
  <h2 id="categories-title">Categories</h2>
  <ul class="category-grid">
  {{- range (site.GetPage "/categories").Pages.ByWeight }}
    <li><a href="{{ .RelPermalink }}"><strong>{{ .Title }}</strong>{{ with .Description }}<span>{{ . }}</span>{{ end }}<span class="meta">{{ len .Pages }} articles</span></a></li>
  {{- end }}
  </ul>
</section>
<section aria-labelledby="popular-title">
  <h2 id="popular-title">Popular articles</h2>
  <ol class="link-list">
  {{- range site.Data.popular }}{{ with site.GetPage (printf "/articles/%s" .) }}
    <li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>
  {{- end }}{{ end }}
  </ol>
</section>
<section aria-labelledby="community-title">
  <h2 id="community-title"><a href="{{ "topics/" | relURL }}">Community</a></h2>
  <ul class="link-list">
  {{- range (site.GetPage "/topics").Pages.ByWeight }}
    <li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <span class="meta">{{ len .Pages }} posts</span></li>
  {{- end }}
  </ul>
</section>
{{ end }}
""",
    "page.html": """{{ define "main" }}
{{- $term := site.GetPage (printf "/categories/%s" (index .Params.categories 0)) }}
{{ partial "breadcrumbs.html" (dict "page" . "crumbs" (slice $term)) }}
<article class="article" data-pagefind-body>
  <header>
    <a class="chip" href="{{ $term.RelPermalink }}" data-pagefind-ignore>{{ $term.Title }}</a>
    <h1>{{ .Title }}</h1>
    {{- with .Description }}<p class="lead">{{ . }}</p>{{ end }}
    <p class="meta" data-pagefind-ignore>Updated <time datetime="{{ .Lastmod.Format "2006-01-02" }}">{{ .Lastmod.Format "January 2, 2006" }}</time>{{ with .Params.read_time }} · {{ . }} read{{ end }}</p>
  </header>
  {{- with .TableOfContents }}<aside class="toc" data-pagefind-ignore><h2>On this page</h2>{{ . }}</aside>{{ end }}
  <div class="prose">{{ .Content }}</div>
  {{- with .Params.tags_list }}<ul class="tags">{{ range . }}<li>{{ . }}</li>{{ end }}</ul>{{ end }}
</article>
{{ partial "pager.html" (dict "page" . "pages" $term.Pages) }}
{{ end }}
""",
    "posts/page.html": """{{ define "main" }}
{{- $term := site.GetPage (printf "/topics/%s" (index .Params.topics 0)) }}
{{ partial "breadcrumbs.html" (dict "page" . "crumbs" (slice (site.GetPage "/topics") $term)) }}
<article class="post" data-pagefind-body>
  <header>
    <p class="badges" data-pagefind-ignore><span class="status status-{{ .Params.status }}">{{ replace .Params.status "_" " " }}</span>{{ if .Params.pinned }} <span class="marker">Pinned</span>{{ end }} <a class="chip" href="{{ $term.RelPermalink }}">{{ $term.Title }}</a></p>
    <h1>{{ .Title }}</h1>
    <p class="meta" data-pagefind-ignore>Posted by <strong>{{ .Params.author }}</strong> · <time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "January 2, 2006" }}</time> · {{ .Params.votes }} votes · {{ .Params.comments }} comments</p>
    {{- if .Params.locked }}<p class="notice">This post is locked. New comments are closed.</p>{{ end }}
  </header>
  <div class="prose">{{ .Content }}</div>
</article>
{{ partial "pager.html" (dict "page" . "pages" $term.Pages) }}
{{ end }}
""",
    "term.html": """{{ define "main" }}
{{- $crumbs := slice }}{{ if eq .Data.Plural "topics" }}{{ $crumbs = slice (site.GetPage "/topics") }}{{ end }}
{{ partial "breadcrumbs.html" (dict "page" . "crumbs" $crumbs) }}
<header class="page-header"><h1>{{ .Title }}</h1>{{ with .Description }}<p class="lead">{{ . }}</p>{{ end }}
<p class="meta">{{ len .Pages }} {{ if eq .Data.Plural "topics" }}posts{{ else }}articles{{ end }}</p></header>
<ul class="page-list">
{{- range .Pages }}
  <li><a href="{{ .RelPermalink }}">{{ .Title }}</a>
  {{- with .Description }}<p>{{ . }}</p>{{ end }}
  <p class="meta">{{ with .Params.status }}{{ replace . "_" " " }} · {{ end }}{{ with .Params.read_time }}{{ . }} read · {{ end }}{{ with .Params.votes }}{{ . }} votes · {{ end }}{{ .Lastmod.Format "January 2, 2006" }}</p></li>
{{- end }}
</ul>
{{ end }}
""",
    "taxonomy.html": """{{ define "main" }}
{{ partial "breadcrumbs.html" (dict "page" . "crumbs" slice) }}
<header class="page-header"><h1>{{ .Title }}</h1>{{ with .Description }}<p class="lead">{{ . }}</p>{{ end }}</header>
<ul class="page-list">
{{- range .Pages.ByWeight }}
  <li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <span class="meta">{{ len .Pages }}</span>{{ with .Description }}<p>{{ . }}</p>{{ end }}</li>
{{- end }}
</ul>
{{ end }}
""",
    "404.html": """{{ define "main" }}
<header class="page-header"><h1>Page not found</h1><p class="lead">The page you asked for does not exist. <a href="{{ "/" | relURL }}">Go to the help center</a>.</p></header>
{{ end }}
""",
    "_markup/render-blockquote.html": """{{- if eq .Type "alert" -}}
<div class="callout callout-{{ .AlertType }}" role="note"><p class="callout-title">{{ .AlertType | title }}</p>{{ .Text }}</div>
{{- else -}}
<blockquote>{{ .Text }}</blockquote>
{{- end -}}
""",
}

_STYLE = """body{margin:0;font:16px/1.6 system-ui,sans-serif;color:#1f2937}
.container{max-width:60rem;margin:0 auto;padding:1rem}
.site-header{background:#111827;color:#fff}.site-header a{color:#fff}
.header-bar{display:flex;gap:1rem;align-items:center;padding:.75rem 1rem;flex-wrap:wrap}
.header-links ul,.category-nav ul,.breadcrumbs ol{display:flex;gap:1rem;list-style:none;margin:0;padding:0;flex-wrap:wrap}
.category-nav{padding:.5rem 1rem;background:#1f2937}.category-nav .is-active{text-decoration:underline}
#search{flex:1;min-width:16rem}.breadcrumbs li+li::before{content:"›";margin-right:1rem}
.lead{font-size:1.15rem;color:#4b5563}.meta{color:#6b7280;font-size:.9rem}
.chip,.status,.marker{display:inline-block;padding:0 .5rem;border-radius:1rem;background:#eef2ff}
.callout{border-left:4px solid #6366f1;padding:.5rem 1rem;background:#f5f3ff}.callout-title{font-weight:600}
.pager{display:flex;justify-content:space-between;gap:1rem;margin:2rem 0}
.page-list,.category-grid{list-style:none;padding:0}.page-list li,.category-grid li{margin:0 0 1rem}
table{border-collapse:collapse}td,th{border:1px solid #e5e7eb;padding:.25rem .5rem}
pre{overflow:auto;padding:1rem}
"""


def hugo_site_files(site: PeerSite) -> Iterator[tuple[str, str]]:
    """Every file of the Hugo site for ``site``, as ``(relative path, text)``."""
    yield "hugo.toml", _config(site)
    yield "static/style.css", _STYLE
    yield "data/popular.json", json.dumps(list(site.popular)) + "\n"
    for name, text in HUGO_LAYOUTS.items():
        yield f"layouts/{name}", text

    def target(kind: str, slug: str) -> str | None:
        if kind == "articles" and slug in site.article_names:
            return f"/articles/{site.article_names[slug]}/"
        if kind == "categories" and slug in site.category_names:
            return f"/categories/{site.category_names[slug]}/"
        if kind == "community/posts" and slug in site.post_names:
            return f"/posts/{site.post_names[slug]}/"
        return None

    # The section pages would list every article (or post) on one page; helpgen has no such page.
    unlisted = front_matter({"title": "", "build": {"render": "never", "list": "always"}})
    yield "content/articles/_index.md", unlisted
    yield "content/posts/_index.md", unlisted
    yield "content/categories/_index.md", front_matter({"title": "All categories"})
    yield "content/topics/_index.md", front_matter({"title": "Community", "description": "Questions, ideas and answers from other customers."})
    for section in site.categories:
        yield f"content/categories/{section.name}/_index.md", front_matter(
            {"title": section.title, "description": section.description or None, "weight": section.weight}
        )
    for section in site.topics:
        yield f"content/topics/{section.name}/_index.md", front_matter(
            {"title": section.title, "description": section.description or None, "weight": section.weight}
        )
    for page in site.articles:
        article = page.article
        meta = front_matter({
            "title": article.title,
            "description": article.excerpt or None,
            "date": article.published_at or article.created_at,
            "lastmod": article.updated_at,
            "categories": [page.section.name],
            "weight": page.weight,
            "read_time": article.read_time,
            "tags_list": list(article.tags) or None,
        })
        yield f"content/articles/{page.name}.md", meta + "\n" + rewrite_links(article.content or "", target)
    for page in site.posts:
        post = page.thread.post
        meta = front_matter({
            "title": post.title,
            "date": post.created_at,
            "lastmod": post.updated_at,
            "topics": [page.section.name],
            "weight": page.weight,
            "status": post.status,
            "author": post.author_name or "Anonymous",
            "votes": post.vote_count,
            "comments": len(page.thread.comments),
            "pinned": post.is_pinned,
            "locked": post.is_locked,
        })
        yield f"content/posts/{page.name}.md", meta + "\n" + rewrite_links(thread_markdown(page.thread), target)


def write_hugo_site(snapshot: Snapshot, folder: str | Path, *, title: str = "Benchmark Help Center") -> PeerSite:
    """Write the Hugo site for ``snapshot`` into ``folder`` (build it with ``hugo -s folder``)."""
    site = peer_site(snapshot, title=title)
    write_tree(Path(folder), hugo_site_files(site))
    return site
