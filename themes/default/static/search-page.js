/* helpgen search page (/search/?q=...&type=...&category=...): full results in rank order in
 * #search-results, one link each, with filters by type and category, "More results", and the
 * browse links (#search-fallback) shown when there is no query. Needs search.js, loaded first. */
(function (root) {
  "use strict";
  var search = root.helpgenSearch, PAGE_RESULTS = 10;

  function SearchPage(container, index) {
    this.index = index; this.form = container.querySelector("form"); this.text = search.texts(container);
    this.input = this.form.querySelector("input[name=q]"); this.results = container.querySelector("#search-results");
    this.summary = container.querySelector("#search-summary"); this.more = container.querySelector("#search-more");
    this.fallback = container.querySelector("#search-fallback"); this.filters = container.querySelector(".search-filters");
    this.limit = PAGE_RESULTS; this.serial = 0;
    var page = this, params = new URLSearchParams(root.location.search);
    this.input.value = params.get("q") || "";
    this.filters.hidden = false;
    this.setFilter("kind", params.get("type") || "");
    this.setFilter("category", params.get("category") || "");
    this.form.addEventListener("submit", function (event) { event.preventDefault(); page.limit = PAGE_RESULTS; page.update(); });
    this.filters.addEventListener("change", function () { page.limit = PAGE_RESULTS; page.update(); });
    this.more.addEventListener("click", function () { page.limit += PAGE_RESULTS; page.run(); });
    this.run();
  }

  SearchPage.prototype.setFilter = function (name, value) {
    var field = this.form.elements.namedItem(name === "kind" ? "type" : "category");
    if (field) field.value = value;
  };

  SearchPage.prototype.update = function () {
    var params = new URLSearchParams(), data = new FormData(this.form);
    ["q", "type", "category"].forEach(function (name) { if (data.get(name)) params.set(name, data.get(name)); });
    root.history.replaceState(null, "", "?" + params.toString());
    this.run();
  };

  SearchPage.prototype.run = function () {
    var page = this, data = new FormData(this.form), query = String(data.get("q") || "").trim(), serial = ++this.serial;
    this.fallback.hidden = !!query;
    if (!query) { this.results.textContent = ""; this.summary.textContent = ""; this.more.hidden = true; return; }
    var options = { limit: this.limit + 1, kind: data.get("type") || null, category: data.get("category") || null, completeLast: false };
    this.summary.textContent = this.text("searching");
    this.index.ready().then(function (index) { return search.fetchResults(index, query, options); }).then(function (ranked) {
      if (serial !== page.serial) return;
      var shown = ranked.documents.slice(0, page.limit), match = search.matchedTerms(ranked);
      page.results.textContent = "";
      shown.forEach(function (result) {
        page.results.appendChild(search.resultNodes(result, new URL(result.path, page.index.base.href + "../").href, match, "li", page.text).item);
      });
      page.more.hidden = ranked.documents.length <= page.limit;
      page.summary.textContent = page.text(!shown.length ? "no_results_for" : ranked.mode === "any" ? "any_mode" : "results_for",
        { query: query });
    }, function (error) {
      if (serial !== page.serial) return;
      page.summary.textContent = page.text("unavailable");
      page.fallback.hidden = false;
      if (root.console) root.console.warn("helpgen search:", error);
    });
  };

  var container = document.getElementById("search-page");
  if (search && search.index && container) new SearchPage(container, search.index);
})(window);
