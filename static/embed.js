/*
 * Consensus Lab's host script: include it once on a page that embeds runs.
 *
 *   <script src="https://your.host/lab/embed.js" defer></script>
 *   <consensus-lab src="https://your.host/lab/?protocol=raft&seed=7&embed=1&autoplay=1"></consensus-lab>
 *   <consensus-lab protocol="paxos" seed="3" at="2s" title="Duelling proposers"></consensus-lab>
 *
 * - Frames fit their content: an embed posts its height (naming itself), and only messages
 *   from the lab's origin, sent by one of the page's own frames, are believed.
 * - <consensus-lab> loads its frame only when scrolled near; plain iframes of the lab (an
 *   mdBook's, or pasted by hand) keep their own loading="lazy".
 * - Frames follow the page's light or dark theme (theme="auto", the default; theme="light" or
 *   "dark" fixes it), and change when the page does.
 * No dependencies, no inline styles or scripts: it runs under a strict Content-Security-Policy.
 */
(function () {
  'use strict';
  if (window.customElements && customElements.get('consensus-lab')) return;
  var TYPE = 'consensus-lab';
  var here = document.currentScript && document.currentScript.src;
  // The lab lives where this script is served from.
  var BASE = new URL('./', here || location.href).href;
  var ORIGIN = new URL(BASE).origin;

  function isLab(frame) {
    var src = frame.getAttribute('src');
    if (!src) return false;
    try {
      var u = new URL(src, location.href);
      return u.origin === ORIGIN && (frame.hasAttribute('data-consensus-lab') || u.href.indexOf(BASE) === 0);
    } catch (e) {
      return false;
    }
  }

  function labFrames() {
    return Array.prototype.filter.call(document.querySelectorAll('iframe'), isLab);
  }

  // "rgb(r, g, b)" or "rgba(r, g, b, a)": [r, g, b, a].
  function rgba(css) {
    var m = /rgba?\(([^)]+)\)/.exec(css || '');
    if (!m) return null;
    var p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  }

  // The page's theme: what it declares, else how dark its background is, else the system's.
  function hostTheme() {
    var root = document.documentElement;
    var body = document.body;
    var declared = root.getAttribute('data-theme') || (body && body.getAttribute('data-theme'));
    if (declared === 'dark' || declared === 'light') return declared;
    var els = [body, root];
    for (var i = 0; i < els.length; i++) {
      if (!els[i]) continue;
      var c = rgba(getComputedStyle(els[i]).backgroundColor);
      if (c && c[3] > 0.5) {
        var lum = (0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]) / 255;
        return lum < 0.5 ? 'dark' : 'light';
      }
    }
    return window.matchMedia && matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  }

  // A frame whose link or element fixes its theme keeps it; the others follow the page.
  function themeFor(frame) {
    var owner = frame.parentElement && frame.parentElement.closest('consensus-lab');
    var wish = owner && owner.getAttribute('theme');
    if (!wish) {
      try {
        wish = new URL(frame.getAttribute('src'), location.href).searchParams.get('theme');
      } catch (e) {
        wish = null;
      }
    }
    return wish === 'light' || wish === 'dark' ? wish : hostTheme();
  }

  // Posting to a frame still blank (a lazy one) would be refused, loudly: its origin is ours.
  function loaded(frame) {
    try {
      return frame.contentWindow.location.href !== 'about:blank';
    } catch (e) {
      return true; // Another origin's page: the lab.
    }
  }

  function greet(frame) {
    if (frame.contentWindow && loaded(frame)) {
      frame.contentWindow.postMessage({ type: TYPE, event: 'host', theme: themeFor(frame) }, ORIGIN);
    }
  }

  window.addEventListener('message', function (e) {
    var d = e.data;
    if (!d || d.type !== TYPE || e.origin !== ORIGIN) return;
    var frame = labFrames().filter(function (f) { return f.contentWindow === e.source; })[0];
    if (!frame) return;
    if (d.event === 'ready') {
      greet(frame);
    } else if (d.event === 'size') {
      var h = Number(d.height);
      if (h > 0 && h < 20000) frame.style.height = Math.ceil(h) + 'px';
    }
  });

  // A frame that loaded before this script ran has said "ready" to nobody: greet it now, and
  // every frame on load (the embed answers once it runs).
  function watch(frame) {
    if (frame.__consensusLab) return;
    frame.__consensusLab = true;
    frame.addEventListener('load', function () { greet(frame); });
    greet(frame);
  }

  var lastTheme = null;
  function retheme() {
    var t = hostTheme();
    if (t === lastTheme) return;
    lastTheme = t;
    labFrames().forEach(function (f) {
      if (f.contentWindow && loaded(f)) f.contentWindow.postMessage({ type: TYPE, event: 'theme', theme: themeFor(f) }, ORIGIN);
    });
  }

  // Attributes of <consensus-lab> and the link keys they stand for.
  var KEYS = { protocol: 'protocol', nodes: 'nodes', seed: 'seed', at: 't', tour: 'tour', chapter: 'ch', speed: 'speed', theme: 'theme', loop: 'loop' };

  function srcOf(el) {
    var src = el.getAttribute('src');
    if (src) return new URL(src, location.href).href;
    var q = new URLSearchParams(el.getAttribute('link') || '');
    Object.keys(KEYS).forEach(function (a) {
      var v = el.getAttribute(a);
      if (v !== null) q.set(KEYS[a], v);
    });
    var big = el.hasAttribute('big') && el.getAttribute('big') !== 'off';
    q.set(big ? 'big' : 'embed', '1');
    if (el.getAttribute('controls') === 'off') q.set('controls', '0');
    if (el.getAttribute('autoplay') !== 'off') q.set('autoplay', '1');
    return BASE + '?' + q.toString();
  }

  var near = 'IntersectionObserver' in window
    ? new IntersectionObserver(function (entries) {
        entries.forEach(function (entry) {
          if (!entry.isIntersecting) return;
          near.unobserve(entry.target);
          entry.target.__consensusLabLoad();
        });
      }, { rootMargin: '200px 0px' })
    : null;

  function ConsensusLab() {
    return Reflect.construct(HTMLElement, [], ConsensusLab);
  }
  ConsensusLab.prototype = Object.create(HTMLElement.prototype);
  ConsensusLab.prototype.constructor = ConsensusLab;
  ConsensusLab.prototype.connectedCallback = function () {
    if (this.__frame) return;
    var el = this;
    var frame = document.createElement('iframe');
    frame.title = el.getAttribute('title') || 'Consensus Lab';
    frame.setAttribute('data-consensus-lab', '');
    frame.style.display = 'block';
    frame.style.width = '100%';
    frame.style.border = '0';
    frame.style.height = (parseInt(el.getAttribute('height'), 10) || 420) + 'px';
    el.style.display = 'block';
    el.__frame = frame;
    var src = srcOf(el);
    // The fallback inside the element (a link, for pages without scripts) gives way.
    el.replaceChildren(frame);
    el.__consensusLabLoad = function () {
      frame.setAttribute('src', src);
      watch(frame);
    };
    if (near) near.observe(el);
    else el.__consensusLabLoad();
  };
  Object.setPrototypeOf(ConsensusLab, HTMLElement);
  customElements.define('consensus-lab', ConsensusLab);

  function start() {
    labFrames().forEach(watch);
    lastTheme = hostTheme();
    // The page changes theme by a class or attribute on its root or body (mdBook, Docusaurus),
    // or follows the system.
    var mo = new MutationObserver(retheme);
    mo.observe(document.documentElement, { attributes: true, attributeFilter: ['class', 'data-theme', 'style'] });
    if (document.body) mo.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-theme', 'style'] });
    if (window.matchMedia) matchMedia('(prefers-color-scheme: dark)').addEventListener('change', retheme);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
