"""Layout checks run inside the page (through the DevTools protocol) by the browser test.

:data:`CHECK` opens every ``<details>``, then measures:

- ``overlaps``: pairs of text boxes (HTML text line boxes and SVG ``<text>``/``<tspan>``)
  that intersect, after clipping each box by its scrolling ancestors, plus text boxes
  that intrude into a chart, a provider card or a table they are not part of;
- ``small_chart_text``: chart text rendered below 11 CSS px (font size times the
  chart's on-screen scale);
- ``overflow``: the page's scroll width against the viewport width;
- ``clipped_tables``: tables wider than their container where the container does not
  scroll (content that would be cut off, e.g. in print).
"""

from __future__ import annotations

CHECK = r"""
(() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  void document.body.offsetHeight;  // force layout
  const TOL = 1.0;
  const clipOf = (el) => {
    const r = {l: -Infinity, t: -Infinity, r: Infinity, b: Infinity};
    for (let a = el.parentElement; a; a = a.parentElement) {
      if (a === document.body || a === document.documentElement) break;
      const cs = getComputedStyle(a);
      if (cs.overflowX === 'visible' && cs.overflowY === 'visible') continue;
      const b = a.getBoundingClientRect();
      if (cs.overflowX !== 'visible') { r.l = Math.max(r.l, b.left); r.r = Math.min(r.r, b.right); }
      if (cs.overflowY !== 'visible') { r.t = Math.max(r.t, b.top); r.b = Math.min(r.b, b.bottom); }
    }
    return r;
  };
  const clipped = (r, c) => ({l: Math.max(r.left, c.l), t: Math.max(r.top, c.t),
                              r: Math.min(r.right, c.r), b: Math.min(r.bottom, c.b)});
  const describe = (el) => {
    const parts = [];
    for (let a = el; a && parts.length < 4 && a !== document.body; a = a.parentElement) {
      const list = Array.from(a.classList || []);
      const classes = list.length ? '.' + list.join('.') : '';
      parts.unshift(a.tagName.toLowerCase() + (a.id ? '#' + a.id : '') + classes);
    }
    return parts.join('>');
  };
  const boxes = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    if (!text) continue;
    const el = node.parentElement;
    if (!el || el.closest('script,style,title,desc,defs')) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility === 'hidden' || cs.display === 'none') continue;
    let rects;
    if (el instanceof SVGElement) {
      rects = [el.getBoundingClientRect()];
    } else {
      const range = document.createRange();
      range.selectNodeContents(node);
      rects = Array.from(range.getClientRects());
    }
    const clip = clipOf(el);
    for (const r of rects) {
      const c = clipped(r, clip);
      if (c.r - c.l < 0.5 || c.b - c.t < 0.5) continue;
      boxes.push({...c, el, text: text.slice(0, 50)});
    }
  }
  const overlaps = [];
  const sorted = boxes.slice().sort((x, y) => x.t - y.t);
  for (let i = 0; i < sorted.length && overlaps.length < 20; i++) {
    const a = sorted[i];
    for (let j = i + 1; j < sorted.length && sorted[j].t < a.b - TOL; j++) {
      const b = sorted[j];
      if (a.el === b.el || a.el.contains(b.el) || b.el.contains(a.el)) continue;
      const ix = Math.min(a.r, b.r) - Math.max(a.l, b.l);
      const iy = Math.min(a.b, b.b) - Math.max(a.t, b.t);
      if (ix > TOL && iy > TOL) {
        overlaps.push([a.text, describe(a.el), b.text, describe(b.el)]);
        if (overlaps.length >= 20) break;
      }
    }
  }
  // Text intruding into a chart, a card or a table it does not belong to.
  const solids = Array.from(document.querySelectorAll('svg.chart, article.card, table'));
  for (const s of solids) {
    const c = clipped(s.getBoundingClientRect(), clipOf(s));
    if (c.r - c.l < 1 || c.b - c.t < 1) continue;
    for (const b of boxes) {
      if (overlaps.length >= 40) break;
      if (s.contains(b.el) || b.el.contains(s)) continue;
      const ix = Math.min(c.r, b.r) - Math.max(c.l, b.l);
      const iy = Math.min(c.b, b.b) - Math.max(c.t, b.t);
      if (ix > TOL && iy > TOL) overlaps.push([b.text, describe(b.el), '(box)', describe(s)]);
    }
  }
  const small = [];
  for (const t of document.querySelectorAll('svg.chart text, svg.chart tspan')) {
    if (!t.textContent.trim()) continue;
    const size = parseFloat(getComputedStyle(t).fontSize);
    const ctm = t.getScreenCTM();
    const scale = ctm ? Math.hypot(ctm.a, ctm.b) : 1;
    const rendered = size * scale;
    if (rendered < 11 - 1e-6) small.push([t.textContent.trim().slice(0, 30), rendered]);
  }
  const clippedTables = [];
  for (const t of document.querySelectorAll('table')) {
    const parent = t.parentElement;
    const cs = getComputedStyle(parent);
    const scrolls = cs.overflowX === 'auto' || cs.overflowX === 'scroll';
    const tr = t.getBoundingClientRect(), pr = parent.getBoundingClientRect();
    if (!scrolls && tr.right > pr.right + TOL) {
      clippedTables.push([describe(t), Math.round(tr.width), Math.round(pr.width)]);
    }
  }
  return {
    overlaps,
    small_chart_text: small.slice(0, 20),
    chart_texts: document.querySelectorAll('svg.chart text').length,
    text_boxes: boxes.length,
    overflow: [document.documentElement.scrollWidth, document.documentElement.clientWidth],
    clipped_tables: clippedTables,
    details: document.querySelectorAll('details').length,
    open_details: document.querySelectorAll('details[open]').length,
  };
})()
"""
