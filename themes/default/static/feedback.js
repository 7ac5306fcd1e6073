/* helpgen: article views and "Was this helpful?" for cStar (README "Analytics"). <= 2 KB gz. */
(function () {
  'use strict';
  var d = document, cfg = d.currentScript && d.currentScript.dataset, nav = navigator;
  if (!cfg || !cfg.api || !cfg.team || !window.fetch) return;
  if (cfg.respectDnt != null &&
      (nav.doNotTrack == '1' || nav.globalPrivacyControl === true)) return;

  var base = cfg.api.replace(/\/+$/, '') + '/api/library/' + encodeURIComponent(cfg.team) + '/articles/';
  var url = cfg.article && base + encodeURIComponent(cfg.article) + '/';
  var QUEUE = 'helpgen:feedback-queue', MAX_RETRIES = 3;

  function storage(name) {  // blocked storage throws on use
    try { var s = window[name]; s.getItem(QUEUE); return s; } catch (e) {}
  }
  var session = storage('sessionStorage'), local = storage('localStorage');

  // Resolves to 'sent', 'retry' (offline, CORS, 429, 5xx) or 'drop'; failures: console.debug.
  function post(to, body, what) {
    return fetch(to, {
      method: 'POST', keepalive: true, credentials: 'omit', body: body,
      headers: body ? { 'Content-Type': 'application/json' } : {}
    }).then(function (r) { return r.status; }, function () { return 0; }).then(function (status) {
      if (status > 199 && status < 300) return 'sent';
      console.debug('helpgen ' + what + ' not sent:', status || 'network error');
      return !status || status == 429 || status > 499 ? 'retry' : 'drop';
    });
  }

  function queue(items) {
    try {
      if (!items) return Array.isArray(items = JSON.parse(local.getItem(QUEUE))) ? items : [];
      items.length ? local.setItem(QUEUE, JSON.stringify(items.slice(-20))) : local.removeItem(QUEUE);
    } catch (e) { return []; }
  }
  // An item leaves the queue before each attempt, so two tabs never send it twice.
  function deliver(item) {
    item.tries = (item.tries || 0) + 1;
    post(item.url, item.body, 'feedback').then(function (outcome) {
      if (outcome == 'retry' && item.tries <= MAX_RETRIES && local) queue(queue().concat([item]));
    });
  }

  if (local) {  // feedback left by an earlier page load (this team's only): one retry now
    var mine = [], others = [];
    queue().forEach(function (item) {
      (item && typeof item.body == 'string' && String(item.url).indexOf(base) == 0 ? mine : others).push(item);
    });
    if (mine.length) { queue(others); mine.forEach(deliver); }
  }
  if (!url) return;

  // One view per article per tab session, once seen (prerendered pages and background tabs
  // stay 'hidden' until then).
  var viewed = 'helpgen:viewed:' + url;
  function view() {
    if (d.visibilityState != 'visible') return;
    d.removeEventListener('visibilitychange', view);
    if (session.getItem(viewed)) return;
    session.setItem(viewed, 1);
    post(url + 'view', null, 'view').then(function (outcome) {
      if (outcome == 'retry') session.removeItem(viewed);
    });
  }
  if (session) { d.addEventListener('visibilitychange', view); view(); }

  var box = d.querySelector('[data-feedback]');
  if (!box) return;
  var answered = 'helpgen:answered:' + url, helpful = null;
  var form = box.querySelector('form'), text = form.querySelector('textarea'), label = form.querySelector('label');
  var choices = box.querySelectorAll('[data-helpful]'), note = box.querySelector('[data-feedback-note]');

  function finish(message) {
    form.hidden = box.querySelector('[data-feedback-choices]').hidden = true;
    note.textContent = message;
    note.hidden = false;
  }
  box.hidden = false;
  if (local && local.getItem(answered)) return finish(note.dataset.answered);

  choices.forEach(function (button) {
    button.addEventListener('click', function () {
      helpful = button.dataset.helpful == 'true';
      choices.forEach(function (b) { b.setAttribute('aria-pressed', b == button); });
      label.textContent = label.dataset[helpful ? 'yes' : 'no'];
      form.hidden = false;
      text.focus();
    });
  });
  text.addEventListener('input', function () {
    box.querySelector('[data-feedback-count]').textContent = text.value.length;
  });
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (helpful == null) return;
    // maxlength counts UTF-16 units: never cut a surrogate pair in two.
    var body = { isHelpful: helpful }, said = text.value.trim().slice(0, 2000).replace(/[\ud800-\udbff]$/, '');
    if (said) body.feedbackText = said;
    try { local.setItem(answered, 1); } catch (e) {}
    deliver({ url: url + 'feedback', body: JSON.stringify(body) });
    finish(note.dataset.thanks);
    note.focus();
  });
})();
