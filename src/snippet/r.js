/* global window, document, navigator, location, fetch, crypto, URLSearchParams, setTimeout */
// Rastro browser snippet, served as /r.js (comments and indentation are stripped when served).
// Dependency-free. Keeps first-party cookies (session, _fbp, _fbc, first/last touch), sends a
// pageview, exposes rastro('track', name, props) -> event_id, decorates checkout links with the
// session id, honours rastro('consent', {ads}). Events go to /api/v1/track with sendBeacon (or
// fetch keepalive) as text/plain JSON: a simple request, no CORS preflight.
(function (w, d) {
  var stub = w.rastro;
  if (stub && stub.loaded) return;
  var queue = (stub && stub.q) || [];
  var DAY = 86400;
  var TOUCH = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term', 'fbclid', 'gclid', 'ttclid'];
  var FIELDS = ['value', 'currency', 'contents', 'order_id', 'content_name', 'content_type', 'user', 'test'];
  var hosts = {
    'pay.hotmart.com': ['sck', 'xcod'],
    'pay.kiwify.com.br': ['sck'],
    'buy.stripe.com': ['client_reference_id'],
  };
  var me = d.currentScript;
  var endpoint = me && me.src ? new URL(me.src).origin : '';
  var key = '';
  var opts = {};
  var buf = [];
  var timer = 0;
  var started = 0;
  var pageViewId;
  var consent = cookie('_rs_consent') !== '0';

  function now() {
    return Date.now();
  }
  function rand(n, base) {
    var a = new Uint8Array(n);
    var s = '';
    crypto.getRandomValues(a);
    for (var i = 0; i < n; i++) s += (a[i] % base).toString(base);
    return s;
  }
  // Same format as the server's ids: kind, base36 ms time (9 chars), 11 random base36 chars.
  function id(kind) {
    return kind + ('00000000' + now().toString(36)).slice(-9) + rand(11, 36);
  }
  function cookie(name) {
    var m = d.cookie.match(new RegExp('(?:^|; )' + name + '=([^;]*)'));
    try {
      return m ? decodeURIComponent(m[1]) : '';
    } catch {
      return '';
    }
  }
  function setCookie(name, value, maxAge) {
    d.cookie =
      name +
      '=' +
      encodeURIComponent(value) +
      '; Max-Age=' +
      maxAge +
      '; Path=/; SameSite=Lax' +
      (opts.cookieDomain ? '; Domain=' + opts.cookieDomain : '') +
      (location.protocol == 'https:' ? '; Secure' : '');
  }
  function json(name) {
    try {
      return JSON.parse(cookie(name) || 'null');
    } catch {
      return null;
    }
  }
  // Rolling 30-minute session, shared with /go/:slug redirects when the cookie domain is shared.
  function session() {
    var s = cookie('_rs_sid');
    if (!/^rs[0-9a-z]{20}$/.test(s)) s = id('rs');
    setCookie('_rs_sid', s, 1800);
    return s;
  }
  // Ad cookies exist only with consent: _fbp when absent, _fbc from a landing fbclid.
  function adCookies() {
    if (!consent) return;
    if (!cookie('_fbp')) setCookie('_fbp', 'fb.1.' + now() + '.' + (1 + rand(9, 10)), 90 * DAY);
    var lt = json('_rs_lt');
    var f = lt && lt.fbclid;
    if (f && cookie('_fbc').split('.').slice(3).join('.') != f)
      setCookie('_fbc', 'fb.1.' + lt.at * 1000 + '.' + f, 90 * DAY);
  }
  // A landing with UTMs or click ids becomes the last touch (and the first, once).
  function landing() {
    var p = new URLSearchParams(location.search);
    var t = { at: Math.floor(now() / 1000) };
    var hit = 0;
    for (var i = 0; i < TOUCH.length; i++) {
      var v = p.get(TOUCH[i]);
      if (v) {
        t[TOUCH[i]] = v.slice(0, 200);
        hit = 1;
      }
    }
    // A Rastro click id arrives in whatever parameter the link names (rclid, sck...).
    p.forEach(function (v) {
      if (/^rc[0-9a-z]{20}$/.test(v)) t.click_id = v;
    });
    if (!hit && !t.click_id) return;
    t.landing_url = location.href.split('#')[0].slice(0, 300);
    if (d.referrer) t.referrer = d.referrer.slice(0, 300);
    var s = JSON.stringify(t);
    if (!cookie('_rs_ft')) setCookie('_rs_ft', s, 365 * DAY);
    setCookie('_rs_lt', s, 90 * DAY);
  }
  function track(name, props, eventId) {
    props = props || {};
    var e = {
      event_name: String(name),
      event_id: String(props.event_id || eventId || id('ev')),
      url: location.href,
      session_id: session(),
      consent: { ads: consent },
    };
    var custom = {};
    var k;
    if (d.referrer) e.referrer = d.referrer;
    for (k in props) {
      if (k == 'custom') for (var c in props.custom) custom[c] = props.custom[c];
      else if (FIELDS.indexOf(k) >= 0) e[k] = k == 'value' ? +props[k] : props[k];
      else if (k != 'event_id') custom[k] = props[k];
    }
    for (k in custom) {
      e.custom = custom;
      break;
    }
    var lt = json('_rs_lt');
    var ft = json('_rs_ft');
    if (lt) {
      for (var i = 0; i < 5; i++) if (lt[TOUCH[i]]) e[TOUCH[i]] = lt[TOUCH[i]];
      if (consent) {
        if (lt.gclid) e.gclid = lt.gclid;
        if (lt.ttclid) e.ttclid = lt.ttclid;
        if (lt.click_id) e.click_id = lt.click_id;
        e.last_touch = lt;
        if (ft) e.first_touch = ft;
      }
    }
    if (consent) {
      var fbp = cookie('_fbp');
      var fbc = cookie('_fbc');
      if (/^fb\.\d+\.\d+\.\d+$/.test(fbp)) e.fbp = fbp;
      if (/^fb\.\d+\.\d+\..+$/.test(fbc)) e.fbc = fbc;
    }
    buf.push(e);
    if (!timer) timer = setTimeout(flush, 0);
    return e.event_id;
  }
  function flush() {
    timer = 0;
    if (!key || !buf.length) return;
    var body = JSON.stringify({ events: buf.splice(0, 500) });
    var url = endpoint + '/api/v1/track?key=' + encodeURIComponent(key);
    var small = body.length < 60000;
    var sent = false;
    try {
      sent = small && navigator.sendBeacon && navigator.sendBeacon(url, body);
    } catch {
      sent = false;
    }
    if (!sent && w.fetch)
      fetch(url, {
        method: 'POST',
        body: body,
        keepalive: small,
        credentials: 'omit',
        headers: { 'Content-Type': 'text/plain' },
      }).catch(function () {});
    if (buf.length) flush();
  }
  // Checkout links carry the session id in the gateway's pass-through parameter(s).
  function decorate(a) {
    try {
      var u = new URL(a.href);
      var h = u.hostname;
      var ps;
      for (var host in hosts) if (h == host || h.slice(-host.length - 1) == '.' + host) ps = hosts[host];
      if (!ps) return;
      var sid = session();
      for (var i = 0; i < ps.length; i++) {
        var v = u.searchParams.get(ps[i]);
        if (!v || /^rs[0-9a-z]{20}$/.test(v)) u.searchParams.set(ps[i], sid);
      }
      if (u.href != a.href) a.href = u.href;
    } catch {
      return;
    }
  }
  function decorateAll() {
    for (var i = 0; i < d.links.length; i++) decorate(d.links[i]);
  }
  function setConsent(c) {
    consent = !!(c && typeof c == 'object' ? c.ads : c);
    setCookie('_rs_consent', consent ? '1' : '0', 365 * DAY);
    adCookies();
  }
  function init(k, o, eventId) {
    if (started) return pageViewId;
    started = 1;
    key = k;
    opts = o || {};
    if (opts.endpoint) endpoint = opts.endpoint;
    endpoint = endpoint.replace(/\/+$/, '');
    for (var h in opts.checkout || {}) hosts[h] = [].concat(opts.checkout[h]);
    if (opts.consent != null && !cookie('_rs_consent'))
      consent = !!(typeof opts.consent == 'object' ? opts.consent.ads : opts.consent);
    landing();
    adCookies();
    if (opts.pageview !== false) pageViewId = track('page_view', {}, eventId);
    decorateAll();
    d.addEventListener('DOMContentLoaded', decorateAll);
    d.addEventListener('mousedown', onClick, true);
    d.addEventListener('click', onClick, true);
    w.addEventListener('pagehide', flush);
    return pageViewId;
  }
  function onClick(ev) {
    var a = ev.target && ev.target.closest && ev.target.closest('a[href]');
    if (a) decorate(a);
  }
  function run(args, eventId) {
    var c = args[0];
    if (c == 'init') return init(args[1], args[2], eventId);
    if (c == 'track') return track(args[1], args[2], eventId);
    if (c == 'consent') return setConsent(args[1]);
    if (c == 'session') return session();
  }
  w.rastro = function () {
    return run(arguments);
  };
  w.rastro.loaded = 1;
  // Queued calls are [arguments, event id the stub returned]. Consent first, then init (so the
  // pageview and cookies honour it), then the rest in order.
  var order = ['consent', 'init', ''];
  for (var o = 0; o < 3; o++)
    for (var i = 0; i < queue.length; i++) {
      var c = queue[i][0][0];
      if (c == order[o] || (!order[o] && c != 'consent' && c != 'init')) run(queue[i][0], queue[i][1]);
    }
})(window, document);
