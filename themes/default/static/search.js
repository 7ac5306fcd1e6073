/* helpgen search (docs/search.md): a port of Whoosh's StemmingAnalyzer, the query algorithm of
 * helpgen/search/engine.py step for step, and the header box (ARIA combobox). Results are built
 * with textContent only: titles and excerpts are customer text. No inline script, no WASM. */
(function (root) {
  "use strict";

  var TAG = 12; // characters of a posting file's name (TAG_LENGTH in helpgen/search/export.py)

  // ------------------------------------------------------------------ analyzer

  var STOP = new Set(("a an and are as at be by can for from have if in is it may not of on " +
    "or tbd that the this to us we when will with yet you your").split(" "));
  var TOKEN = /[\p{L}\p{N}_*]+(?:\.?[\p{L}\p{N}_*]+)*/gu;

  function cpLength(text) {
    var n = 0;
    for (var i = 0; i < text.length; i++) {
      var c = text.charCodeAt(i);
      if (c < 0xdc00 || c > 0xdfff || i === 0 || text.charCodeAt(i - 1) < 0xd800 || text.charCodeAt(i - 1) > 0xdbff) n++;
    }
    return n;
  }

  /** The lowercased words of a text (Whoosh's RegexTokenizer + LowercaseFilter). */
  function words(text) {
    return (String(text).match(TOKEN) || []).map(function (w) { return w.toLowerCase(); });
  }

  /** True when the text ends inside its last word. */
  function endsInWord(text) {
    var end = -1, m;
    TOKEN.lastIndex = 0;
    while ((m = TOKEN.exec(text))) end = m.index + m[0].length;
    return end >= 0 && end === text.length;
  }

  // Whoosh's Porter stemmer (whoosh/lang/porter.py); its re.match() anchors at the start,
  // hence ^ on every pattern (and "running" -> "runn").
  var STEP2 = { ational: "ate", tional: "tion", enci: "ence", anci: "ance", izer: "ize", bli: "ble",
    alli: "al", entli: "ent", eli: "e", ousli: "ous", ization: "ize", ation: "ate", ator: "ate",
    alism: "al", iveness: "ive", fulness: "ful", ousness: "ous", aliti: "al", iviti: "ive",
    biliti: "ble", logi: "log" };
  var STEP3 = { icate: "ic", ative: "", alize: "al", iciti: "ic", ical: "ic", ful: "", ness: "" };
  var C = "[^aeiouy]+", V = "[aeiou]+";
  var MGR0 = new RegExp("^(" + C + ")?" + V + C, "u");
  var MEQ1 = new RegExp("^(" + C + ")?" + V + C + "(" + V + ")?$", "u");
  var MGR1 = new RegExp("^(" + C + ")?" + V + C + V + C, "u");
  var S_V = new RegExp("^(" + C + ")?[aeiouy]", "u");
  var C_V = new RegExp("^" + C + "[aeiouy][^aeiouwxy]$", "u");
  var ED_ING = /^(.*)(ed|ing)$/u, AT_BL_IZ = /^(at|bl|iz)$/u, DOUBLE = /^([^aeiouylsz])\1$/u;
  var RE2 = new RegExp("^(.+?)(" + Object.keys(STEP2).join("|") + ")$", "u");
  var RE3 = new RegExp("^(.+?)(" + Object.keys(STEP3).join("|") + ")$", "u");
  var RE4 = /^(.+?)(al|ance|ence|er|ic|able|ible|ant|ement|ment|ent|ou|ism|ate|iti|ous|ive|ize)$/u;
  var RE4B = /^(.+?)(s|t)(ion)$/u, RE5 = /^(.+?)e$/u;

  function stem(w) {
    if (cpLength(w) < 3) return w;
    var m, s, firstY = w[0] === "y";
    if (firstY) w = "Y" + w.slice(1);
    if (w.endsWith("s")) {
      if (w.endsWith("sses") || w.endsWith("ies")) w = w.slice(0, -2);
      else if (w[w.length - 2] !== "s") w = w.slice(0, -1);
    }
    if (w.endsWith("eed")) {
      if (MGR0.test(w.slice(0, -3))) w = w.slice(0, -1);
    } else if ((m = ED_ING.exec(w)) && S_V.test(m[1])) {
      w = m[1];
      if (AT_BL_IZ.test(w)) w += "e";
      else if (DOUBLE.test(w)) w = w.slice(0, -1);
      else if (C_V.test(w)) w += "e";
    }
    if (w.endsWith("y") && S_V.test(w.slice(0, -1))) w = w.slice(0, -1) + "i";
    if ((m = RE2.exec(w)) && MGR0.test(m[1])) w = m[1] + STEP2[m[2]];
    if ((m = RE3.exec(w)) && MGR0.test(m[1])) w = m[1] + STEP3[m[2]];
    if ((m = RE4.exec(w))) {
      if (MGR1.test(m[1])) w = m[1];
    } else if ((m = RE4B.exec(w)) && MGR1.test(s = m[1] + m[2])) {
      w = s;
    }
    if ((m = RE5.exec(w)) && (MGR1.test(m[1]) || (MEQ1.test(m[1]) && !C_V.test(m[1])))) w = m[1];
    if (w.endsWith("ll") && MGR1.test(w)) w = w.slice(0, -1);
    if (firstY) w = "y" + w.slice(1);
    return w;
  }

  /** A word's index term; null for a stop word or a word under 2 or over 100 characters (StopFilter). */
  function termOf(word) {
    var length = cpLength(word);
    return length < 2 || length > 100 || STOP.has(word) ? null : stem(word);
  }

  /** The index terms of a text, exactly as Whoosh's StemmingAnalyzer gives them. */
  function analyze(text) {
    return words(text).map(termOf).filter(function (t) { return t !== null; });
  }

  function oneEdit(a, b) {
    if (a === b) return true;
    a = Array.from(a); b = Array.from(b);
    var la = a.length, lb = b.length, i = 0;
    if (Math.abs(la - lb) > 1) return false;
    while (i < Math.min(la, lb) && a[i] === b[i]) i++;
    var rest = function (x, from) { return x.slice(from).join(""); };
    if (la === lb) {
      return rest(a, i + 1) === rest(b, i + 1) ||
        (i + 1 < la && a[i] === b[i + 1] && a[i + 1] === b[i] && rest(a, i + 2) === rest(b, i + 2));
    }
    return la < lb ? rest(a, i) === rest(b, i + 1) : rest(a, i + 1) === rest(b, i);
  }

  // ------------------------------------------------------------------ engine

  var MAX_WORDS = 10, MAX_TYPO_LENGTH = 40;

  function own(object, key) {
    return object && Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
  }

  function lastAtMost(keys, value) {  // bisect_right(keys, value) - 1, at least 0
    var lo = 0, hi = keys.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (value < keys[mid]) hi = mid; else lo = mid + 1; }
    return Math.max(lo - 1, 0);
  }

  function postings(flat, into) {
    for (var i = 0, doc = 0; i < flat.length; i += 2) { doc += flat[i]; into.set(doc, flat[i + 1]); }
    return into;
  }

  function byDfThenTerm(a, b) { return b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0); }

  /** One exported index; `manifestUrl` is search/manifest.json. Files are fetched once. */
  function SearchIndex(manifestUrl) {
    this.base = new URL(".", new URL(manifestUrl, document.baseURI));
    this.files = new Map();
    this.manifest = null;
  }

  SearchIndex.prototype.load = function (path) {
    var files = this.files, got = files.get(path);
    if (!got) {
      got = fetch(new URL(path, this.base)).then(function (response) {
        if (!response.ok) throw new Error(path + ": HTTP " + response.status);
        return response.json();
      });
      got.catch(function () { files.delete(path); });
      files.set(path, got);
    }
    return got;
  };

  SearchIndex.prototype.ready = function () {
    var self = this;
    return this.load("manifest.json").then(function (manifest) {
      if (manifest.format !== 2) throw new Error("search index format " + manifest.format);
      self.manifest = manifest;
      return self;
    });
  };

  SearchIndex.prototype.numbered = function (family, number, section) {
    return this.load(family + "/" + number + "." + section.groups[Math.floor(number / section.groupSize)] + ".json");
  };

  SearchIndex.prototype.shard = function (term) {
    var terms = this.manifest.terms;
    if (!terms.keys.length) return Promise.resolve({ t: {} });
    return this.numbered("t", lastAtMost(terms.keys, term), terms);
  };

  SearchIndex.prototype.entry = function (term) {
    return this.shard(term).then(function (shard) { return own(shard.t, term); });
  };

  SearchIndex.prototype.completions = function (prefix) {
    var limits = this.manifest.limits;
    if (cpLength(prefix) < limits.minPrefix) return Promise.resolve([]);
    return this.shard(prefix).then(function (shard) {
      var listed = own(shard.w, prefix);
      if (listed) return listed.slice();
      var found = [];
      for (var term in shard.t) {
        if (own(shard.t, term) && term.startsWith(prefix)) found.push([term, shard.t[term][0]]);
      }
      return found.sort(byDfThenTerm).slice(0, limits.completions).map(function (p) { return p[0]; });
    });
  };

  SearchIndex.prototype.corrections = function (term) {
    var self = this, limits = this.manifest.limits, length = cpLength(term);
    if (length < limits.minTypo || length > MAX_TYPO_LENGTH) return Promise.resolve([]);
    var first = String.fromCodePoint(term.codePointAt(0)), lexicon = this.manifest.lexicon, loads = [];
    [length - 1, length, length + 1].forEach(function (size) {
      var low = ("00" + Math.min(size, 999)).slice(-3) + first;
      var from = lastAtMost(lexicon.keys, low), to = lastAtMost(lexicon.keys, low + "\uffff");
      for (var n = from; lexicon.keys.length && n <= to; n++) loads.push(self.numbered("l", n, lexicon));
    });
    return Promise.all(loads).then(function (shards) {
      var found = new Map();
      shards.forEach(function (shard) {
        shard[0].forEach(function (candidate, i) {
          if (candidate !== term && candidate.startsWith(first) && oneEdit(term, candidate)) found.set(candidate, shard[1][i]);
        });
      });
      return Array.from(found).sort(byDfThenTerm).slice(0, limits.typos).map(function (p) { return p[0]; });
    });
  };

  /** The query's words and the index terms each one matches (engine.py: plan). */
  SearchIndex.prototype.plan = function (query, completeLast) {
    var self = this, typed = words(query).slice(0, MAX_WORDS);
    var open = completeLast !== false && endsInWord(query);
    return Promise.all(typed.map(function (word, position) {
      var term = termOf(word), terms = [], how = "none";
      var own_ = term === null ? Promise.resolve(undefined) : self.entry(term);
      var more = open && position === typed.length - 1 ? self.completions(word) : Promise.resolve([]);
      return Promise.all([own_, more]).then(function (got) {
        if (got[0] !== undefined) { terms.push(term); how = "exact"; }
        got[1].forEach(function (c) {
          if (terms.indexOf(c) < 0) { terms.push(c); if (how !== "exact") how = "prefix"; }
        });
        if (terms.length || term === null) return terms.length ? terms : null;
        return self.corrections(term).then(function (fixed) { how = fixed.length ? "typo" : "none"; return fixed; });
      }).then(function (found) {
        return { word: word, term: term, terms: found || [], how: found === null ? "stop" : how };
      });
    }));
  };

  /** Top documents: {hits: [{doc, score}], mode: "all"|"any"|"none", words}. */
  SearchIndex.prototype.search = function (query, options) {
    var self = this;
    options = options || {};
    return Promise.all([this.plan(query, options.completeLast), this.allowed(options)]).then(function (got) {
      var planned = got[0], groups = [], seen = new Set();
      planned.forEach(function (w) {
        var key = JSON.stringify(w.terms);
        if (w.how !== "stop" && !seen.has(key)) { seen.add(key); groups.push(w.terms); }
      });
      return self.exactTitles(planned).then(function (titled) {
        var allowed = got[1], first = new Set(titled.filter(function (doc) {
          return allowed.some(function (r) { return r[0] <= doc && doc < r[1]; });
        }));
        return self.rank(groups, options.limit || 10, allowed, first);
      }).then(function (ranked) {
        ranked.words = planned;
        return ranked;
      });
    });
  };

  /** Documents whose analysed title equals the query's analysed words (engine.py: exact_titles):
   * listed under the query's key in the shard of its rarest term; they always rank first. */
  SearchIndex.prototype.exactTitles = function (planned) {
    var self = this, terms = [];
    for (var i = 0; i < planned.length; i++) {
      if (planned[i].term === null) continue;
      if (planned[i].how !== "exact") return Promise.resolve([]);
      terms.push(planned[i].term);
    }
    if (!terms.length) return Promise.resolve([]);
    return Promise.all(terms.map(function (t) { return self.entry(t); })).then(function (entries) {
      if (entries.some(function (e) { return e === undefined; })) return [];
      var best = 0;
      for (var k = 1; k < terms.length; k++) {
        var df = entries[k][0], bestDf = entries[best][0];
        if (df < bestDf || (df === bestDf && terms[k] < terms[best])) best = k;
      }
      return self.shard(terms[best]).then(function (shard) {
        var listed = own(shard.x || {}, terms.join(" "));
        return Array.isArray(listed) ? listed.filter(function (d) { return typeof d === "number"; }) : [];
      });
    });
  };

  SearchIndex.prototype.allowed = function (options) {
    var docs = this.manifest.docs, ranges = [[0, docs.count]];
    if (options.kind === "article") ranges = [[0, docs.articles]];
    else if (options.kind === "post") ranges = [[docs.articles, docs.count]];
    if (!options.category) return Promise.resolve(ranges);
    return this.load(this.manifest.categories).then(function (listed) {
      var within = [];
      ranges.forEach(function (r) {
        listed.categories.forEach(function (c) {
          if (c[0] === options.category && Math.max(r[0], c[1]) < Math.min(r[1], c[2])) within.push([Math.max(r[0], c[1]), Math.min(r[1], c[2])]);
        });
      });
      return within;
    });
  };

  function TermState(term, entry) {
    this.term = term; this.df = entry[0]; this.scores = postings(entry[1], new Map());
    this.tierTags = entry[2] || ""; this.tiers = (entry[3] || []).slice(); this.nextTier = 1;
    this.range = entry[4] || 0; this.blockTags = entry[5] || ""; this.blocksRead = new Set();
  }
  /** The posting file of tier or block `n` (from 0): named by its tag, TAG chars each. */
  function postingFile(tags, n) { return "p/" + tags.substr(n * TAG, TAG) + ".json"; }
  TermState.prototype.bestUnread = function () { return this.tiers.length ? this.tiers[0][0] : 0; };
  TermState.prototype.bound = function (doc) {
    return !this.tiers.length || this.blocksRead.has(Math.floor(doc / this.range)) ? 0 : this.tiers[0][0];
  };

  SearchIndex.prototype.rank = function (groups, limit, allowed, first) {
    var self = this;
    first = first || new Set();
    if (!groups.length || groups.every(function (g) { return !g.length; })) {
      return Promise.resolve({ hits: [], mode: "none" });
    }
    var states = new Map(), terms = [];
    groups.forEach(function (g) { g.forEach(function (t) { if (terms.indexOf(t) < 0) terms.push(t); }); });
    return Promise.all(terms.map(function (t) { return self.entry(t); })).then(function (entries) {
      terms.forEach(function (t, i) { states.set(t, new TermState(t, entries[i])); });
      var mode = groups.every(function (g) { return g.length; }) ? "all" : "any", found = false;
      var step = function () {
        var ranking = look(groups, states, allowed, mode, first);
        if (mode === "all" && !found) {
          if (ranking.everyGroup) found = true;
          else if (!ranking.open.length) { mode = "any"; return step(); }
          else return self.read(ranking.open, states, limit).then(step);
        }
        var top = ranking.exact.slice(0, limit);
        var threshold = -1;  // a full top: only a better score (or an exact title) gets in
        if (top.length >= limit) threshold = first.has(top[top.length - 1].doc) ? Infinity : top[top.length - 1].score;
        var needed = ranking.open.filter(function (item) { return first.has(item.doc) || item.bound >= threshold; });
        if (!needed.length) return { hits: top, mode: mode };
        return self.read(needed, states, limit).then(step);
      };
      return step();
    });
  };

  // What is known: exact scores, and the open documents (and unseen ones) best bound first;
  // the `first` documents (exact titles) are always looked at and rank before the others.
  function look(groups, states, allowed, mode, first) {
    var result = { exact: [], open: [], everyGroup: false }, seen = new Set(first);
    states.forEach(function (state) { state.scores.forEach(function (_, doc) { seen.add(doc); }); });
    Array.from(seen).sort(function (a, b) { return a - b; }).forEach(function (doc) {
      if (!allowed.some(function (r) { return r[0] <= doc && doc < r[1]; })) return;
      var total = 0, exact = true, terms = [], every = true;
      for (var g = 0; g < groups.length; g++) {
        var known = 0, unknown = 0, unknownTerms = [];
        groups[g].forEach(function (term) {
          var state = states.get(term), score = state.scores.get(doc), bound;
          if (score !== undefined) known = Math.max(known, score);
          else if ((bound = state.bound(doc))) { unknown = Math.max(unknown, bound); unknownTerms.push(term); }
        });
        if (!known) {
          every = false;
          if (mode === "all" && !unknown) return;
        }
        if (unknown > known) {
          exact = false; total += unknown;
          unknownTerms.forEach(function (t) { if (states.get(t).bound(doc) > known) terms.push(t); });
        } else {
          total += known;
        }
      }
      if (every) result.everyGroup = true;
      if (exact) result.exact.push({ doc: doc, score: total });
      else result.open.push({ bound: total, doc: doc, terms: terms });
    });
    var bound = 0, terms = [], possible = true;
    groups.forEach(function (group) {
      var best = 0;
      group.forEach(function (term) {
        var state = states.get(term);
        if (state.tiers.length) { best = Math.max(best, state.bestUnread()); terms.push(term); }
      });
      if (mode === "all" && !best) possible = false;
      bound += best;
    });
    if (possible && terms.length) result.open.push({ bound: bound, doc: null, terms: terms });
    result.exact.sort(function (a, b) {
      return (first.has(b.doc) ? 1 : 0) - (first.has(a.doc) ? 1 : 0) || b.score - a.score || a.doc - b.doc;
    });
    result.open.sort(function (a, b) { return b.bound - a.bound; });
    return result;
  }

  // One round of reads, fetched in parallel (engine.py: _read).
  SearchIndex.prototype.read = function (items, states, limit) {
    var self = this, waiting = new Map(), tiers = [], blocks = [], loads = [];
    items.forEach(function (item) {
      var term = item.terms[0];
      item.terms.slice(1).forEach(function (other) {
        if (states.get(other).bestUnread() > states.get(term).bestUnread()) term = other;
      });
      if (item.doc === null) { if (tiers.indexOf(term) < 0) tiers.push(term); }
      else { if (!waiting.has(term)) waiting.set(term, []); waiting.get(term).push(item.doc); }
    });
    var count = this.manifest.docs.count;
    waiting.forEach(function (docs, term) {
      var state = states.get(term);
      if (state.tiers[0][1] <= docs.length * (state.df * state.range / count)) {
        if (tiers.indexOf(term) < 0) tiers.push(term);
        return;
      }
      docs.slice(0, limit).forEach(function (doc) {
        var block = Math.floor(doc / state.range);
        if (!blocks.some(function (b) { return b[0] === term && b[1] === block; })) blocks.push([term, block]);
      });
    });
    blocks.forEach(function (b) {
      var state = states.get(b[0]);
      loads.push(self.load(postingFile(state.blockTags, b[1])).then(function (flat) {
        postings(flat, state.scores); state.blocksRead.add(b[1]);
      }));
    });
    tiers.forEach(function (term) {
      var state = states.get(term);
      loads.push(self.load(postingFile(state.tierTags, state.nextTier - 1)).then(function (flat) {
        postings(flat, state.scores); state.nextTier++; state.tiers.shift();
      }));
    });
    return Promise.all(loads);
  };

  /** What result `doc` shows: {doc, kind, title, path, category, status, statusLabel, excerpt}. */
  SearchIndex.prototype.document = function (doc) {
    var m = this.manifest, docs = m.docs;
    return this.numbered("d", Math.floor(doc / docs.perShard), docs).then(function (shard) {
      var r = shard[doc % docs.perShard];
      return { doc: doc, kind: doc < docs.articles ? "article" : "post", title: r[0], path: r[1], category: r[2],
        status: r[3], statusLabel: own(m.statuses, r[3]) || "", excerpt: r[4] };
    });
  };

  // ------------------------------------------------------------------ results as DOM

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** Append `text` to `parent`, wrapping the words the query matched in <mark> (text nodes only). */
  function highlight(parent, text, matched, prefix) {
    var last = 0, m;
    TOKEN.lastIndex = 0;
    while ((m = TOKEN.exec(text))) {
      var lower = m[0].toLowerCase(), term = termOf(lower);
      if ((term !== null && matched.has(term)) || (prefix && lower.startsWith(prefix))) {
        parent.appendChild(document.createTextNode(text.slice(last, m.index)));
        parent.appendChild(el("mark", "", m[0]));
        last = m.index + m[0].length;
      }
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function matchedTerms(ranked) {
    var terms = new Set(), last = ranked.words[ranked.words.length - 1];
    ranked.words.forEach(function (w) { w.terms.forEach(function (t) { terms.add(t); }); });
    return { terms: terms, prefix: ranked.open && last && last.how === "prefix" ? last.word : "" };
  }

  // ------------------------------------------------------------------ texts

  // English texts; a page's data-i18n attribute (JSON, from the site's message catalog)
  // replaces them. A plural text has one name per CLDR form: result_one, result_other, ...
  var ENGLISH = {
    kind_article: "Article", kind_post: "Community post", unavailable: "Search is unavailable right now.",
    see_all: "See all results for \u201c{query}\u201d", no_results: "No results",
    no_results_try_page: "No results for \u201c{query}\u201d \u2013 try the search page",
    result_one: "{count} result", result_other: "{count} results", some_words: " matching some of the words",
    searching: "Searching\u2026", no_results_for: "No results for \u201c{query}\u201d.",
    any_mode: "No page has every word; showing pages with some of them.", results_for: "Results for \u201c{query}\u201d"
  };

  /** texts(element)(name, params): the text `name` in the page's language, {placeholders} filled. */
  function texts(element) {
    var own = {}, lang = document.documentElement.lang || "en", plural = null;
    try { own = JSON.parse((element && element.getAttribute("data-i18n")) || "{}") || {}; } catch (e) { own = {}; }
    try { plural = new Intl.PluralRules(lang); } catch (e) { plural = null; }
    function lookup(name) {
      return typeof own[name] === "string" ? own[name] : ENGLISH[name];
    }
    return function (name, params) {
      params = params || {};
      var text;
      if (typeof params.count === "number") {
        if (typeof own[name + "_other"] === "string") {
          var form = plural ? plural.select(params.count) : "other";
          text = typeof own[name + "_" + form] === "string" ? own[name + "_" + form] : own[name + "_other"];
        } else {
          text = ENGLISH[name + (params.count === 1 ? "_one" : "_other")];
        }
      } else {
        text = lookup(name);
      }
      return String(text === undefined ? name : text).replace(/\{(\w+)\}/g, function (whole, key) {
        if (!Object.prototype.hasOwnProperty.call(params, key)) return whole;
        var value = params[key];
        return typeof value === "number" ? value.toLocaleString(lang) : String(value);
      });
    };
  }

  function describe(result, text) {
    if (result.kind === "post") {
      return text("kind_post") + (result.statusLabel ? " · " + result.statusLabel : "") +
        (result.category ? " · " + result.category : "");
    }
    return text("kind_article") + (result.category ? " · " + result.category : "");
  }

  /** A result as `tag` (li): its title in a link to `url`, or, with linkTag "span", in a span
   * (an ARIA option must not contain a link: the header box navigates itself). */
  function resultNodes(result, url, match, tag, text, linkTag) {
    text = text || texts(null);
    var item = el(tag, "search-result search-result-" + result.kind);
    var link = el(linkTag || "a", "search-result-link");
    if (!linkTag || linkTag === "a") link.href = url;
    var title = el("span", "search-result-title");
    highlight(title, result.title, match.terms, match.prefix);
    link.appendChild(title);
    item.appendChild(link);
    item.appendChild(el("span", "search-result-meta", describe(result, text)));
    if (result.excerpt) {
      var excerpt = el("span", "search-result-excerpt");
      highlight(excerpt, result.excerpt, match.terms, match.prefix);
      item.appendChild(excerpt);
    }
    return { item: item, link: link };
  }

  function fetchResults(index, query, options) {
    return index.search(query, options).then(function (ranked) {
      return Promise.all(ranked.hits.map(function (hit) { return index.document(hit.doc); })).then(function (docs) {
        ranked.documents = docs;
        ranked.open = options.completeLast !== false && endsInWord(query);
        return ranked;
      });
    });
  }

  // ------------------------------------------------------------------ header box

  var HEADER_RESULTS = 8, DELAY_MS = 60;

  function HeaderBox(form, index) {
    this.form = form; this.index = index; this.input = form.querySelector("input[type=search]");
    this.popup = form.querySelector(".search-popup"); this.list = form.querySelector("[role=listbox]");
    this.status = form.querySelector(".search-status"); this.page = form.getAttribute("action");
    this.text = texts(form);
    this.active = -1; this.options = []; this.serial = 0; this.timer = 0;
    var box = this, input = this.input;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", this.list.id);
    input.addEventListener("input", function () {
      clearTimeout(box.timer);
      box.timer = setTimeout(function () { box.run(); }, DELAY_MS);
    });
    input.addEventListener("keydown", function (event) { box.key(event); });
    this.list.addEventListener("click", function (event) {
      var option = event.target && event.target.closest ? event.target.closest("[role=option]") : null;
      if (option && option.getAttribute("data-href")) root.location.assign(option.getAttribute("data-href"));
    });
    input.addEventListener("focus", function () { if (box.options.length && input.value.trim()) box.show(true); });
    document.addEventListener("click", function (event) { if (!form.contains(event.target)) box.show(false); });
    document.addEventListener("keydown", function (event) {
      var target = event.target, tag = target && target.tagName;
      if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
      if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable)) return;
      event.preventDefault();
      input.focus();
      input.select();
    });
  }

  HeaderBox.prototype.show = function (open) {
    this.popup.hidden = !open;
    this.input.setAttribute("aria-expanded", open ? "true" : "false");
    if (!open) this.select(-1);
  };

  HeaderBox.prototype.select = function (position) {
    this.options.forEach(function (option, i) { option.setAttribute("aria-selected", i === position ? "true" : "false"); });
    this.active = position;
    if (position >= 0) {
      this.input.setAttribute("aria-activedescendant", this.options[position].id);
      this.options[position].scrollIntoView({ block: "nearest" });
    } else {
      this.input.removeAttribute("aria-activedescendant");
    }
  };

  HeaderBox.prototype.key = function (event) {
    var count = this.options.length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!count) return;
      event.preventDefault();
      if (this.popup.hidden) this.show(true);
      var step = event.key === "ArrowDown" ? 1 : -1;
      this.select(this.active + step < -1 ? count - 1 : this.active + step >= count ? -1 : this.active + step);
    } else if (event.key === "Enter" && this.active >= 0 && !this.popup.hidden) {
      event.preventDefault();
      root.location.assign(this.options[this.active].getAttribute("data-href"));
    } else if (event.key === "Escape") {
      if (!this.popup.hidden) { event.preventDefault(); this.show(false); }
      else if (this.input.value) { event.preventDefault(); this.input.value = ""; this.options = []; }
    }
  };

  HeaderBox.prototype.run = function () {
    var box = this, query = this.input.value, serial = ++this.serial;
    if (!query.trim()) { this.list.textContent = ""; this.options = []; this.status.textContent = ""; this.show(false); return; }
    this.index.ready().then(function (index) {
      return fetchResults(index, query, { limit: HEADER_RESULTS });
    }).then(function (ranked) {
      if (serial !== box.serial) return;
      box.render(query, ranked);
    }, function (error) {
      if (serial !== box.serial) return;
      box.list.textContent = ""; box.options = [];
      box.status.textContent = box.text("unavailable");
      box.show(true);
      if (root.console) root.console.warn("helpgen search:", error);
    });
  };

  HeaderBox.prototype.render = function (query, ranked) {
    var box = this, match = matchedTerms(ranked), list = this.list;
    list.textContent = "";
    this.options = ranked.documents.map(function (result, i) {
      // Options hold no link (axe: nested-interactive); a click or Enter opens data-href.
      var url = new URL(result.path, box.index.base.href + "../").href;
      var nodes = resultNodes(result, url, match, "li", box.text, "span");
      nodes.item.id = list.id + "-" + i;
      nodes.item.setAttribute("role", "option");
      nodes.item.setAttribute("aria-selected", "false");
      nodes.item.setAttribute("data-href", url);
      list.appendChild(nodes.item);
      return nodes.item;
    });
    var all = el("li", "search-all");
    var more = el("span", "search-all-link", this.text(ranked.documents.length ? "see_all" : "no_results_try_page", { query: query.trim() }));
    all.setAttribute("data-href", new URL(this.page + "?q=" + encodeURIComponent(query.trim()), document.baseURI).href);
    all.id = list.id + "-all";
    all.setAttribute("role", "option");
    all.setAttribute("aria-selected", "false");
    all.appendChild(more);
    list.appendChild(all);
    this.options.push(all);
    this.status.textContent = ranked.documents.length
      ? this.text("result", { count: ranked.documents.length }) + (ranked.mode === "any" ? this.text("some_words") : "")
      : this.text("no_results");
    this.active = -1;
    this.show(document.activeElement === this.input);
  };

  // ------------------------------------------------------------------ start

  var api = { analyze: analyze, words: words, termOf: termOf, stem: stem, endsInWord: endsInWord, oneEdit: oneEdit,
    SearchIndex: SearchIndex, fetchResults: fetchResults, resultNodes: resultNodes, matchedTerms: matchedTerms,
    texts: texts };
  if (typeof module !== "undefined" && module.exports) { module.exports = api; return; }
  root.helpgenSearch = api;

  function start() {
    var form = document.querySelector("form[data-search-index]");
    if (!form) return;
    var index = new SearchIndex(form.getAttribute("data-search-index"));
    api.index = index;
    new HeaderBox(form, index);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})(typeof window !== "undefined" ? window : globalThis);
