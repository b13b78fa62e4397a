// rum-collector dashboard: reads /api/summary, /api/timeseries,
// /api/dimensions and /api/slo and renders them. Every number shown is one the API gave,
// formatted by the functions below (kept on window.rumDashboard for tests).
'use strict';
(function () {
  const METRICS = ['LCP', 'INP', 'CLS', 'FCP', 'TTFB', 'TTI', 'TBT', 'page_load'];
  const LABELS = { page_load: 'Page load' };
  const REFRESH_MS = 5000;
  const $ = (s) => document.querySelector(s);

  const fmt = {
    ms(v) {
      if (v == null) return '—';
      return v >= 1000 ? (v / 1000).toFixed(2) + ' s' : Math.round(v) + ' ms';
    },
    metric(name, v) {
      if (v == null) return '—';
      return name === 'CLS' ? v.toFixed(3) : fmt.ms(v);
    },
    rate(v) {
      return v == null ? '—' : (v * 100).toFixed(1) + '%';
    },
    int(v) {
      return v == null ? '—' : String(v);
    },
    time(ms) {
      if (ms == null) return '—';
      const d = new Date(ms);
      return d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    },
  };

  function rating(name, s) {
    if (s.p75 == null || s.good == null) return '';
    const t = { LCP: [2500, 4000], INP: [200, 500], CLS: [0.1, 0.25], FCP: [1800, 3000], TTFB: [800, 1800], TTI: [3800, 7300], TBT: [200, 600] }[name];
    if (!t) return '';
    return s.p75 <= t[0] ? 'good' : s.p75 <= t[1] ? 'needs-improvement' : 'poor';
  }

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null) continue;
      if (k === 'class') e.className = v;
      else if (k === 'style') e.setAttribute('style', v);
      else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c == null ? '' : String(c)));
    return e;
  }

  function setNum(testid, value, text) {
    const e = document.querySelector(`[data-testid="${testid}"]`);
    e.textContent = text;
    e.dataset.value = value == null ? '' : String(value);
  }

  function params(extra) {
    const p = new URLSearchParams();
    p.set('since', $('#f-range').value);
    if ($('#f-app').value) p.set('app', $('#f-app').value);
    if ($('#f-release').value) p.set('release', $('#f-release').value);
    // Hard or soft navigations (the summary's page views; other views ignore it).
    if ($('#f-nav').value) p.set('nav', $('#f-nav').value);
    for (const [k, v] of Object.entries(extra || {})) p.set(k, v);
    return p.toString();
  }

  // The read key (--read-key): asked once, on the first 401, and kept in
  // sessionStorage (this tab only); sent as `Authorization: Bearer KEY`.
  const KEY_STORE = 'rum-collector-read-key';
  const storedKey = () => {
    try { return sessionStorage.getItem(KEY_STORE); } catch { return null; }
  };
  let keyWanted = null;
  function askKey(refused) {
    if (!keyWanted) {
      keyWanted = new Promise((resolve) => {
        const form = $('#key-form');
        const input = $('#read-key');
        $('#key-error').textContent = refused ? 'That key was refused.' : '';
        form.hidden = false;
        input.value = '';
        input.focus();
        form.onsubmit = (e) => {
          e.preventDefault();
          const k = input.value.trim();
          if (!k) return;
          try { sessionStorage.setItem(KEY_STORE, k); } catch { /* private mode: asked again next time */ }
          form.hidden = true;
          keyWanted = null;
          resolve(k);
        };
      });
    }
    return keyWanted;
  }

  async function getJSON(url) {
    let key = storedKey();
    for (;;) {
      const headers = { accept: 'application/json' };
      if (key) headers.authorization = `Bearer ${key}`;
      const r = await fetch(url, { headers });
      if (r.status === 401) {
        if (key && storedKey() === key) {
          try { sessionStorage.removeItem(KEY_STORE); } catch { /* ignore */ }
        }
        key = storedKey() || (await askKey(Boolean(key)));
        continue;
      }
      if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
      return r.json();
    }
  }

  function renderSummary(s) {
    setNum('page_views', s.page_views, fmt.int(s.page_views));
    setNum('sessions', s.sessions, fmt.int(s.sessions));
    setNum('session_error_rate', s.session_error_rate, fmt.rate(s.session_error_rate));
    setNum('http_error_rate', s.http_error_rate, fmt.rate(s.http_error_rate));
    const box = $('#vitals');
    box.replaceChildren();
    for (const name of METRICS) {
      const v = s.vitals[name] || {};
      const card = el('div', { class: 'vital', 'data-metric': name },
        el('div', { class: 'name' }, LABELS[name] || name),
        el('div', { class: 'p75 ' + rating(name, v), 'data-testid': `p75-${name}`, 'data-value': v.p75 == null ? '' : String(v.p75) }, fmt.metric(name, v.p75)),
        el('div', { class: 'count', 'data-testid': `count-${name}`, 'data-value': String(v.count || 0) }, `${v.count || 0} page views`));
      if (v.good != null) {
        card.append(
          el('div', { class: 'bar', title: 'good / needs improvement / poor' },
            el('span', { class: 'g', style: `width:${v.good * 100}%` }),
            el('span', { class: 'n', style: `width:${v.needs_improvement * 100}%` }),
            el('span', { class: 'p', style: `width:${v.poor * 100}%` })),
          el('div', { class: 'shares' },
            el('span', { 'data-testid': `good-${name}`, 'data-value': String(v.good) }, fmt.rate(v.good)),
            el('span', { 'data-testid': `ni-${name}`, 'data-value': String(v.needs_improvement) }, fmt.rate(v.needs_improvement)),
            el('span', { 'data-testid': `poor-${name}`, 'data-value': String(v.poor) }, fmt.rate(v.poor))));
      }
      box.append(card);
    }
    const tb = $('#errors tbody');
    tb.replaceChildren();
    for (const e of s.top_errors) {
      // Where: the first in-app frame, symbolicated with the release's
      // source map (fn (file:line:col)); the minified frame in the tooltip.
      const m = e.minified_frame;
      const where = e.culprit
        ? el('div', { class: 'where', 'data-testid': 'error-where', title: m ? `minified: ${m.fn || '?'} (${m.file}:${m.line}:${m.col})` : '' }, 'at ' + e.culprit)
        : '';
      const seen = (e.releases || []).length || (e.browsers || []).length
        ? el('div', { class: 'where' }, `releases ${(e.releases || []).join(', ') || '—'} · ${(e.browsers || []).join(', ') || '—'}`)
        : '';
      tb.append(el('tr', { 'data-error': e.name },
        el('td', { class: 'name' }, e.name, where, seen),
        el('td', {}, e.src || ''),
        el('td', { class: 'r', 'data-testid': 'error-count', 'data-value': String(e.count) }, fmt.int(e.count)),
        el('td', { class: 'r' }, fmt.int(e.sessions)),
        el('td', {}, fmt.time(e.first_seen)),
        el('td', {}, fmt.time(e.last_seen))));
    }
    if (!s.top_errors.length) tb.append(el('tr', {}, el('td', { class: 'empty', colspan: '6' }, 'No errors in this range')));
    renderActions(s.top_actions || []);
  }

  // Top user actions (agent event `action`), as /api/summary lists them.
  function renderActions(list) {
    const tb = $('#actions tbody');
    tb.replaceChildren();
    for (const a of list) {
      tb.append(el('tr', { 'data-action': a.name },
        el('td', { class: 'name', title: a.target || '' }, a.name),
        el('td', {}, a.type || ''),
        el('td', { class: 'r', 'data-testid': 'action-count', 'data-value': String(a.count) }, fmt.int(a.count)),
        el('td', { class: 'r', 'data-testid': 'action-p75', 'data-value': a.p75_duration == null ? '' : String(a.p75_duration) }, fmt.ms(a.p75_duration)),
        el('td', { class: 'r', 'data-testid': 'action-failure', 'data-value': String(a.failure_rate) }, fmt.rate(a.failure_rate)),
        el('td', { class: 'r', 'data-testid': 'action-frustration', 'data-value': String(a.frustration_rate) }, fmt.rate(a.frustration_rate))));
    }
    if (!list.length) tb.append(el('tr', {}, el('td', { class: 'empty', colspan: '6' }, 'No actions in this range')));
  }

  function renderGroups(g) {
    $('#group-key').textContent = $('#f-group').selectedOptions[0].textContent;
    const tb = $('#groups tbody');
    tb.replaceChildren();
    for (const row of g.groups || []) {
      const v = row.vitals;
      tb.append(el('tr', { 'data-key': row.key },
        el('td', { class: 'name' }, row.key === '' ? '(unknown)' : row.key),
        el('td', { class: 'r', 'data-value': String(row.page_views) }, fmt.int(row.page_views)),
        el('td', { class: 'r' }, fmt.int(row.sessions)),
        el('td', { class: 'r', 'data-value': String(v.LCP.p75) }, fmt.metric('LCP', v.LCP.p75)),
        el('td', { class: 'r' }, fmt.metric('INP', v.INP.p75)),
        el('td', { class: 'r' }, fmt.metric('CLS', v.CLS.p75)),
        el('td', { class: 'r' }, fmt.metric('page_load', v.page_load.p75)),
        el('td', { class: 'r' }, fmt.rate(row.session_error_rate))));
    }
    if (!(g.groups || []).length) tb.append(el('tr', {}, el('td', { class: 'empty', colspan: '8' }, 'No page views in this range')));
  }

  const charts = {};
  function chart(id, ts, series, yFormat) {
    const box = document.getElementById(id);
    const width = Math.max(300, box.clientWidth || 500);
    const data = [ts.t.map((t) => t / 1000), ...series.map((s) => s.values)];
    if (charts[id] && charts[id].series.length === series.length + 1 && charts[id].rumStep === ts.step) {
      charts[id].setData(data);
      return;
    }
    if (charts[id]) charts[id].destroy();
    // Half a bucket of room on each side, so edge points are not clipped.
    const pad = ts.step / 2000;
    charts[id] = new window.uPlot({
      width, height: 220,
      scales: { x: { time: true, range: (u, min, max) => [min - pad, max + pad] } },
      axes: [{}, { values: (u, vals) => vals.map(yFormat), size: 60 }],
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, spanGaps: true, points: { show: true, size: 6 }, value: (u, v) => (v == null ? '—' : yFormat(v)) }))],
    }, data, box);
    charts[id].rumStep = ts.step;
  }

  function renderCharts(ts) {
    if (!window.uPlot) return;
    chart('chart-vitals', ts, [
      { label: 'p75 LCP', values: ts.lcp_p75, color: '#1a73e8' },
      { label: 'p75 INP', values: ts.inp_p75, color: '#e8710a' },
    ], (v) => fmt.ms(v));
    chart('chart-errors', ts, [{ label: 'session error rate', values: ts.session_error_rate, color: '#db4437' }], (v) => fmt.rate(v));
  }

  // ---- SLO panel (/api/slo) ----
  const SLO_STATE = { ok: 'ok', ticket: 'ticket', page: 'page', no_data: 'no data' };
  // Bar height: burn rate on a log scale, 100x at the top.
  const burnHeight = (b) => Math.round(2 + 32 * Math.min(1, Math.log10(1 + b) / Math.log10(101)));
  function renderSlo(r) {
    const alerts = $('#slo-alerts');
    alerts.replaceChildren();
    for (const f of r.firing) {
      alerts.append(el('li', { class: f.severity, 'data-slo': f.slo, 'data-alert': f.alert }, `${f.slo}: ${f.alert} (${f.severity})`));
    }
    if (!r.firing.length) alerts.append(el('li', { class: 'none' }, 'No SLO alert firing.'));
    const body = $('#slos tbody');
    body.replaceChildren();
    for (const s of r.slos) {
      const left = s.error_budget_remaining;
      const width = left == null ? 0 : Math.max(0, Math.min(1, left)) * 100;
      const budget = el('div', { class: 'budget' + (left != null && left <= 0 ? ' out' : left != null && left < 0.25 ? ' low' : '') },
        el('div', { class: 'bar' }, el('span', { style: `width:${width.toFixed(1)}%` })),
        el('span', { 'data-testid': 'slo-budget', 'data-value': left == null ? '' : String(left) }, fmt.rate(left)));
      const burns = el('div', { class: 'burns', role: 'img', 'aria-label': 'burn rates' });
      for (const w of s.windows) {
        const b = w.burn_rate;
        const cls = b == null ? 'none' : b > 14.4 ? 'hot' : b > 1 ? 'warm' : '';
        burns.append(el('span', { class: cls, 'data-window': w.window, 'data-value': b == null ? '' : String(b), style: `height:${b == null ? 2 : burnHeight(b)}px`, title: `${w.window}: ${b == null ? 'no data' : b.toFixed(2) + '×'} (${w.bad} bad of ${w.total})` }));
      }
      body.append(el('tr', { 'data-slo': s.name },
        el('td', { title: s.sli.definition }, s.name, el('br'), el('small', {}, s.description || s.sli.definition)),
        el('td', { class: 'r' }, (s.objective * 100).toFixed(2).replace(/\.?0+$/, '') + '%'),
        el('td', { class: 'r', 'data-testid': 'slo-sli', 'data-value': s.sli_window == null ? '' : String(s.sli_window) }, s.sli_window == null ? '—' : (s.sli_window * 100).toFixed(3) + '%'),
        el('td', {}, budget),
        el('td', {}, burns),
        el('td', { class: 'state ' + s.state, 'data-testid': 'slo-state' }, SLO_STATE[s.state] || s.state)));
    }
  }

  function fillSelect(sel, items, keep) {
    const cur = keep;
    const first = sel.options[0];
    sel.replaceChildren(first);
    for (const it of items) sel.append(el('option', { value: it.value }, it.value === '' ? '(none)' : it.value));
    if (cur && ![...sel.options].some((o) => o.value === cur)) sel.append(el('option', { value: cur }, cur));
    sel.value = cur;
  }

  const SLO_REFRESH_MS = 30000;
  let sloAt = 0;
  let busy = false;
  let generation = 0;
  async function load() {
    if (busy) return;
    busy = true;
    const gen = ++generation;
    const status = $('#status');
    try {
      const [summary, groups, ts, dims, slo] = await Promise.all([
        getJSON('/api/summary?' + params()),
        getJSON('/api/summary?' + params({ group_by: $('#f-group').value })),
        getJSON('/api/timeseries?' + params()),
        getJSON('/api/dimensions?since=' + encodeURIComponent($('#f-range').value)),
        // SLOs span up to 28 days (about 1 s of SQL per 300k events):
        // refreshed every 30 s, not on every 5 s tick.
        sloAt && Date.now() - sloAt < SLO_REFRESH_MS ? window.rumDashboard.lastSlo : getJSON('/api/slo'),
      ]);
      if (gen !== generation) return;
      fillSelect($('#f-app'), dims.apps, $('#f-app').value);
      fillSelect($('#f-release'), dims.releases, $('#f-release').value);
      renderSummary(summary);
      renderGroups(groups);
      renderCharts(ts);
      if (slo !== window.rumDashboard.lastSlo) sloAt = Date.now();
      renderSlo(slo);
      window.rumDashboard.lastSlo = slo;
      window.rumDashboard.lastSummary = summary;
      window.rumDashboard.loads += 1;
      status.className = '';
      status.textContent = 'updated ' + new Date().toLocaleTimeString();
      document.body.dataset.loaded = String(window.rumDashboard.loads);
    } catch (e) {
      status.className = 'error';
      status.textContent = 'could not load: ' + e.message;
    } finally {
      busy = false;
    }
  }

  let timer = null;
  function schedule() {
    clearInterval(timer);
    timer = $('#f-live').checked ? setInterval(load, REFRESH_MS) : null;
  }

  window.rumDashboard = { fmt, load, lastSummary: null, loads: 0 };
  document.addEventListener('DOMContentLoaded', () => {
    if (!window.uPlot) $('#no-charts').hidden = false;
    for (const id of ['#f-app', '#f-release', '#f-range', '#f-nav', '#f-group']) $(id).addEventListener('change', load);
    $('#f-live').addEventListener('change', schedule);
    $('#filters').addEventListener('submit', (e) => e.preventDefault());
    window.addEventListener('resize', () => {
      for (const k of Object.keys(charts)) {
        const box = document.getElementById(k);
        charts[k].setSize({ width: Math.max(300, box.clientWidth), height: 220 });
      }
    });
    load();
    schedule();
  });
})();
