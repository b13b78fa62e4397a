// The results chart: uPlot bar charts (median bars, min–max whiskers) drawn
// in headless Chromium and screenshotted to a PNG.
//
//   node bench/lib/chart.mjs bench/results/latest.json bench/results/latest.png
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChrome } from './cdp.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const UPLOT = path.join(HERE, '..', 'node_modules', 'uplot', 'dist');

const PANELS = [
  { key: 'downloadBytes', title: 'Download, brotli as served (KB)', scale: 1 / 1024, digits: 1 },
  { key: 'loadAgentMs', title: 'Main-thread time at load charged to the agent (ms)', scale: 1, digits: 1 },
  { key: 'readyMs', title: 'Agent ready: init resolved (ms after navigation start)', scale: 1, digits: 0 },
  { key: 'sessionAgentMs', title: 'Main-thread time over 1,000 interactions (ms, log scale)', scale: 1, digits: 0, log: true },
  { key: 'memoryDeltaBytes', title: 'JS heap + wasm added after 1,000 interactions (KB)', scale: 1 / 1024, digits: 0 },
  { key: 'beaconBytes', title: 'Beacon bytes per ordinary page view (KB, log scale)', scale: 1 / 1024, digits: 1, log: true },
];

export function chartHtml(data) {
  const css = fs.readFileSync(path.join(UPLOT, 'uPlot.min.css'), 'utf8');
  const js = fs.readFileSync(path.join(UPLOT, 'uPlot.iife.min.js'), 'utf8');
  return `<!doctype html><html><head><meta charset="utf-8"><style>${css}
body { margin: 0; padding: 16px 20px; font: 13px system-ui, sans-serif; background: #fff; color: #1d232b; width: 1240px; }
h1 { font-size: 18px; margin: 0 0 4px; } p.sub { margin: 0 0 12px; color: #56616e; }
.grid { display: grid; grid-template-columns: repeat(2, 600px); gap: 18px 24px; }
.u-title { font-size: 13px !important; font-weight: 650 !important; }
</style><script>${js}</script></head><body>
<h1>rum-agent side by side</h1><p class="sub" id="sub"></p><div class="grid" id="grid"></div>
<script>
const D = ${JSON.stringify(data)};
document.getElementById('sub').textContent = D.subtitle;
const names = D.labels;
const xs = names.map((_, i) => i);
for (const p of D.panels) {
  const el = document.createElement('div');
  document.getElementById('grid').append(el);
  const med = p.values.map((v) => (v ? v.median * p.scale : null));
  const ours = med.map((v, i) => (D.ids[i] === 'rum-agent' ? v : null));
  const peers = med.map((v, i) => (D.ids[i] === 'rum-agent' ? null : v));
  const bars = uPlot.paths.bars({ size: [0.62, 80], align: 0 });
  const positive = med.filter((v) => v > 0);
  const hi = Math.max(...p.values.map((v) => (v ? v.max * p.scale : 0)), 1e-9);
  const lo = p.log ? Math.pow(10, Math.floor(Math.log10(Math.max(Math.min(...positive) / 2, 1e-3)))) : 0;
  new uPlot({
    title: p.title, width: 600, height: 250, legend: { show: false }, cursor: { show: false },
    padding: [8, 8, 0, 4],
    scales: { x: { time: false, range: [-0.6, names.length - 0.4] }, y: p.log ? { distr: 3, log: 10, range: [lo, hi * 3] } : { range: [0, hi * 1.18] } },
    axes: [
      { splits: () => xs, values: (u, vals) => vals.map((v) => names[v] || ''), gap: 4, size: 44, font: '11px system-ui', rotate: 0 },
      { size: 52, font: '11px system-ui' },
    ],
    series: [{}, { fill: '#e8590c', stroke: '#e8590c', paths: bars, points: { show: false } }, { fill: '#4c6ef5', stroke: '#4c6ef5', paths: bars, points: { show: false } }],
    hooks: { draw: [(u) => {
      const c = u.ctx;
      c.save();
      c.strokeStyle = '#1d232b'; c.lineWidth = 1.5; c.fillStyle = '#1d232b';
      c.font = '600 ' + Math.round(11 * devicePixelRatio) + 'px system-ui'; c.textAlign = 'center';
      p.values.forEach((v, i) => {
        if (!v) {
          const x = u.valToPos(i, 'x', true);
          c.fillText('n/a', x, u.valToPos(p.log ? lo * 1.5 : hi * 0.05, 'y', true));
          return;
        }
        const x = u.valToPos(i, 'x', true);
        const y1 = u.valToPos(Math.max(v.min * p.scale, lo || 0), 'y', true);
        const y2 = u.valToPos(v.max * p.scale, 'y', true);
        if (v.max > v.min) {
          c.beginPath(); c.moveTo(x, y1); c.lineTo(x, y2); c.moveTo(x - 6, y1); c.lineTo(x + 6, y1); c.moveTo(x - 6, y2); c.lineTo(x + 6, y2); c.stroke();
        }
        const m = v.median * p.scale;
        c.fillText(m.toFixed(m >= 100 ? 0 : p.digits), x, Math.min(y2, u.valToPos(Math.max(m, lo || 0), 'y', true)) - 6);
      });
      c.restore();
    }] },
  }, [xs, ours, peers], el);
}
document.body.dataset.done = '1';
</script></body></html>`;
}

export async function chart(jsonPath, pngPath) {
  const { meta, summary } = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
  const ids = meta.contenders.map((c) => c.id).filter((id) => id !== 'baseline');
  const short = Object.fromEntries(meta.contenders.map((c) => [c.id, c.short || c.id]));
  const data = {
    ids,
    labels: ids.map((id) => short[id] || id),
    subtitle:
      `${meta.date.slice(0, 10)} · ${meta.browser} headless, ${meta.cores} cores · ${meta.runs} runs per contender, interleaved · ` +
      'bars: median, whiskers: min–max · rum-agent in orange · cargo xtask bench',
    panels: PANELS.map((p) => ({ ...p, values: ids.map((id) => summary[id]?.[p.key] || null) })),
  };
  const dir = fs.mkdtempSync(path.join(path.dirname(pngPath), '.chart-'));
  const html = path.join(dir, 'chart.html');
  fs.writeFileSync(html, chartHtml(data));
  const chrome = await launchChrome();
  try {
    const page = await chrome.newPage();
    await page.send('Page.enable');
    await page.send('Emulation.setDeviceMetricsOverride', { width: 1280, height: 1000, deviceScaleFactor: 1, mobile: false });
    await page.goto(`file://${html}`);
    await page.waitFor('document.body.dataset.done === "1"');
    const h = await page.evaluate('document.body.scrollHeight');
    const shot = await page.send('Page.captureScreenshot', { format: 'png', clip: { x: 0, y: 0, width: 1280, height: h, scale: 1 }, captureBeyondViewport: true });
    fs.writeFileSync(pngPath, Buffer.from(shot.data, 'base64'));
  } finally {
    await chrome.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await chart(process.argv[2], process.argv[3]);
}
