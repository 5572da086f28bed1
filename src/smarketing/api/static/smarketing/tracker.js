/* Smarketing web tracker: anonymous page views and custom events, first-party, no cookies.
 *
 * <script async src="https://SMARKETING/t/tracker.js" data-site="pk_…"></script>
 * Optional: data-consent="granted" when the visitor already consented; otherwise, if the site
 * waits for consent, call smarketing("consent", true) from your consent banner.
 * Custom events: smarketing("track", "video_played", {video: "demo"}).
 * Forms: <iframe data-smarketing-form src="https://SMARKETING/f/fm_…/"></iframe> — the
 * tracker hands the visitor id to the form (postMessage) so that the answer identifies it.
 * Do-Not-Track is honoured: nothing is recorded or sent.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__smarketing) { return; }
  window.__smarketing = true;
  var site = script.getAttribute("data-site");
  var base = new URL(script.src).origin;
  var endpoint = base + "/t/collect";
  var dnt = navigator.doNotTrack === "1" || window.doNotTrack === "1" || navigator.msDoNotTrack === "1";
  var waitConsent = script.getAttribute("data-require-consent") !== "false";
  var consented = script.getAttribute("data-consent") === "granted" || !waitConsent;
  var queue = [];
  var pending = [];

  function visitorId() {
    var key = "smarketing_vid";
    var id = null;
    try { id = window.localStorage.getItem(key); } catch (e) { id = null; }
    if (!id) {
      id = (window.crypto && crypto.randomUUID) ? crypto.randomUUID() :
        "v" + Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
      try { window.localStorage.setItem(key, id); } catch (e) { /* private mode: per page */ }
    }
    return id;
  }

  function utm() {
    var out = {};
    var params = new URLSearchParams(location.search);
    ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"].forEach(function (k) {
      if (params.get(k)) { out[k] = params.get(k).slice(0, 200); }
    });
    return out;
  }

  function flush() {
    if (!queue.length || dnt || !consented) { return; }
    var now = Date.now();
    var events = queue.splice(0, 50).map(function (e) {
      return {type: e.type, properties: e.properties, age_ms: now - e.at};
    });
    var body = JSON.stringify({site: site, visitor: visitorId(), consent: consented, events: events});
    var sent = navigator.sendBeacon && navigator.sendBeacon(endpoint, body);
    if (!sent) {
      fetch(endpoint, {method: "POST", body: body, keepalive: true, mode: "cors",
                       headers: {"Content-Type": "text/plain"}}).catch(function () {});
    }
    if (queue.length) { flush(); }
  }

  function record(type, properties) {
    if (dnt) { return; }
    queue.push({type: type, properties: properties, at: Date.now()});
    if (consented) { setTimeout(flush, 0); }
  }

  function handOver(target) {
    target.postMessage({smarketing: "visitor", vid: visitorId(), utm: utm()}, base);
  }

  function tagForms() {
    if (dnt || !consented) { return; }
    var frames = document.querySelectorAll("iframe[data-smarketing-form]");
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow) { handOver(frames[i].contentWindow); }
    }
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== base || !event.data || event.data.smarketing !== "form-ready") { return; }
    if (!dnt && consented && event.source) { handOver(event.source); }
  });

  var api = function (command, a, b) {
    if (command === "consent") {
      consented = !!a;
      if (consented) { tagForms(); flush(); } else { queue = []; }
    } else if (command === "track") {
      record("custom", Object.assign({name: String(a).slice(0, 100)}, b || {}));
    } else if (command === "page") {
      record("page_view", {path: location.pathname, title: document.title.slice(0, 200),
                           referrer: document.referrer.slice(0, 500), utm: utm()});
    }
  };
  pending = (window.smarketing && window.smarketing.q) || [];
  window.smarketing = api;
  api("page");
  pending.forEach(function (args) { api.apply(null, args); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", tagForms);
  } else { tagForms(); }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { flush(); }
  });
})();
