/**
 * The live view's page: one self-contained HTML document (inline style and script, no external
 * resource) that follows `/events` and redraws small SVG charts on every snapshot. Drawn by hand
 * rather than with Vega: it redraws twice a second and must stay tiny.
 */
export function livePage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>wslab live</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1rem auto; max-width: 78rem; padding: 0 1rem; color: #222; }
header { display: flex; gap: 1rem; align-items: baseline; flex-wrap: wrap; }
h1 { font-size: 1.3rem; margin: 0; }
#status { padding: 0.1rem 0.5rem; border-radius: 0.3rem; font-size: 0.85rem; }
#status.online { background: #dff5e3; color: #0a7d28; } #status.offline { background: #fdecea; color: #b00020; }
#phase { color: #555; }
.figures { display: flex; gap: 1rem; flex-wrap: wrap; margin: 0.8rem 0; }
.figure { border: 1px solid #ddd; border-radius: 0.4rem; padding: 0.4rem 0.8rem; min-width: 9rem; }
.figure .value { font-size: 1.6rem; font-variant-numeric: tabular-nums; }
.figure .label { color: #666; font-size: 0.8rem; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(24rem, 1fr)); gap: 1rem; }
section { border: 1px solid #eee; border-radius: 0.4rem; padding: 0.5rem; min-width: 0; }
h2 { font-size: 0.95rem; margin: 0 0 0.3rem; }
svg { width: 100%; height: auto; display: block; }
.legend { font-size: 0.8rem; color: #444; } .legend span { margin-right: 0.8rem; white-space: nowrap; }
table { border-collapse: collapse; font-size: 0.85rem; width: 100%; }
td, th { padding: 0.15rem 0.4rem; text-align: left; border-bottom: 1px solid #f0f0f0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.down { color: #b00020; font-weight: 600; }
.bar { background: #4c78a8; height: 0.7rem; border-radius: 2px; }
#events { list-style: none; padding: 0; margin: 0.3rem 0 0; font-size: 0.85rem; max-height: 10rem; overflow-y: auto; }
#events li { padding: 0.1rem 0; } #events .t { color: #777; font-variant-numeric: tabular-nums; margin-right: 0.5rem; }
</style>
</head>
<body>
<header>
<h1>wslab live</h1>
<span id="status" class="offline">connecting…</span>
<span>phase: <strong id="phase">–</strong></span>
</header>
<div class="figures">
<div class="figure"><div class="value" id="connections">–</div><div class="label">connections (all replicas)</div></div>
<div class="figure"><div class="value" id="delivered">–</div><div class="label">deliveries / s</div></div>
<div class="figure"><div class="value" id="p50">–</div><div class="label">p50 ms (rolling)</div></div>
<div class="figure"><div class="value" id="p99">–</div><div class="label">p99 ms (rolling)</div></div>
</div>
<section><h2>Timeline: faults and lab actions (up to the last 2 min)</h2>
<svg id="timeline" viewBox="0 0 900 70" role="img" aria-label="timeline"></svg>
<ul id="events"></ul></section>
<div class="grid">
<section><h2>Connections per replica</h2><svg id="chart-connections" viewBox="0 0 420 170"></svg><div class="legend" id="legend-connections"></div>
<table id="replicas"><thead><tr><th>replica</th><th>state</th><th class="num">connections</th></tr></thead><tbody></tbody></table></section>
<section><h2>Deliveries / s</h2><svg id="chart-delivered" viewBox="0 0 420 170"></svg></section>
<section><h2>Fan-out latency, rolling p50 and p99 (ms)</h2><svg id="chart-latency" viewBox="0 0 420 170"></svg><div class="legend" id="legend-latency"></div></section>
<section><h2>CPU per component (%)</h2><table id="cpu"><tbody></tbody></table></section>
</div>
<script>
${PAGE_SCRIPT}
</script>
</body>
</html>
`;
}

const PAGE_SCRIPT = `
'use strict';
const WINDOW_MS = 120000;
const MIN_SPAN_MS = 10000;
/** The time shown: the last 2 minutes, or since the first reading when the page has less. */
function timeSpan(now) {
  const first = state.history.length > 0 ? state.history[0].atMs : now;
  const from = Math.min(now - MIN_SPAN_MS, Math.max(now - WINDOW_MS, first));
  return { from, span: now - from };
}
function timeTicks(now) {
  const { from, span } = timeSpan(now);
  return [0, 0.25, 0.5, 0.75, 1].map((f) => from + f * span).map((t) => ({ t, label: t >= now - 1 ? 'now' : '-' + Math.round((now - t) / 1000) + ' s' }));
}
const COLORS = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2', '#eeca3b', '#9d755d'];
const state = { history: [], events: [], phase: '' };
const $ = (id) => document.getElementById(id);
const svgNs = 'http://www.w3.org/2000/svg';
function el(name, attrs, text) {
  const node = document.createElementNS(svgNs, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}
function fmt(value) {
  if (value === null || value === undefined) return '–';
  return value >= 100 ? Math.round(value).toString() : value.toFixed(value >= 10 ? 1 : 2);
}
function lineChart(svg, series, now) {
  svg.replaceChildren();
  const w = 420, h = 170, left = 40, bottom = 20, top = 6;
  const { from, span } = timeSpan(now);
  let max = 0;
  for (const s of series) for (const p of s.points) if (p.y !== null) max = Math.max(max, p.y);
  max = max > 0 ? max * 1.1 : 1;
  const x = (t) => left + ((t - from) / span) * (w - left - 12);
  const y = (v) => top + (1 - v / max) * (h - top - bottom);
  for (const f of [0, 0.5, 1]) {
    svg.append(el('line', { x1: left, x2: w - 4, y1: y(max * f), y2: y(max * f), stroke: '#eee' }));
    svg.append(el('text', { x: left - 4, y: y(max * f) + 4, 'text-anchor': 'end', 'font-size': 10, fill: '#666' }, fmt(max * f)));
  }
  for (const tick of timeTicks(now)) {
    svg.append(el('text', { x: x(tick.t), y: h - 6, 'text-anchor': 'middle', 'font-size': 10, fill: '#666' }, tick.label));
  }
  for (const event of state.events) {
    if (event.atMs < from) continue;
    svg.append(el('line', { x1: x(event.atMs), x2: x(event.atMs), y1: top, y2: h - bottom, stroke: '#b00020', 'stroke-dasharray': '3 3' }));
  }
  series.forEach((s) => {
    const points = s.points.filter((p) => p.y !== null && p.t >= from).map((p) => x(p.t).toFixed(1) + ',' + y(p.y).toFixed(1));
    if (points.length > 0) svg.append(el('polyline', { points: points.join(' '), fill: 'none', stroke: s.color, 'stroke-width': 1.8, 'data-series': s.name }));
  });
}
function legend(node, series) {
  node.replaceChildren(...series.map((s) => { const span = document.createElement('span'); span.innerHTML = '<b style="color:' + s.color + '">━</b> '; span.append(s.name); return span; }));
}
function drawTimeline(now) {
  const svg = $('timeline');
  svg.replaceChildren();
  const w = 900, left = 24, right = 24;
  const { from, span } = timeSpan(now);
  const x = (t) => left + ((t - from) / span) * (w - left - right);
  svg.append(el('line', { x1: left, x2: w - right, y1: 50, y2: 50, stroke: '#999' }));
  for (const tick of timeTicks(now)) svg.append(el('text', { x: x(tick.t), y: 66, 'text-anchor': 'middle', 'font-size': 10, fill: '#666' }, tick.label));
  state.events.filter((e) => e.atMs >= from).forEach((event, index) => {
    const g = el('g', { class: 'fault', 'data-kind': event.kind });
    const at = x(event.atMs);
    // labels near the right edge grow leftwards
    const toLeft = at > w * 0.75;
    g.append(el('line', { x1: at, x2: at, y1: 8, y2: 50, stroke: '#b00020' }));
    g.append(el('circle', { cx: at, cy: 50, r: 4, fill: '#b00020' }));
    g.append(el('text', { x: toLeft ? at - 4 : at + 4, y: 14 + (index % 3) * 12, 'text-anchor': toLeft ? 'end' : 'start', 'font-size': 11, fill: '#b00020' }, event.kind + ' ' + event.detail));
    svg.append(g);
  });
}
function drawEvents() {
  const list = $('events');
  list.replaceChildren(...state.events.slice().reverse().map((event) => {
    const li = document.createElement('li');
    li.dataset.kind = event.kind;
    li.dataset.atMs = String(event.atMs);
    const t = document.createElement('span');
    t.className = 't';
    t.textContent = new Date(event.atMs).toLocaleTimeString();
    const b = document.createElement('b');
    b.textContent = event.kind;
    li.append(t, b, ' ' + event.detail);
    return li;
  }));
}
function render() {
  const last = state.history[state.history.length - 1];
  const now = last ? last.atMs : Date.now();
  $('phase').textContent = state.phase || '–';
  drawTimeline(now);
  drawEvents();
  if (!last) return;
  $('connections').textContent = String(last.replicas.reduce((sum, r) => sum + r.connections, 0));
  $('delivered').textContent = String(last.deliveredPerS);
  $('p50').textContent = fmt(last.latencyP50Ms);
  $('p99').textContent = fmt(last.latencyP99Ms);
  const ids = [...new Set(state.history.flatMap((s) => s.replicas.map((r) => r.id)))];
  const connectionSeries = ids.map((id, i) => ({ name: id, color: COLORS[i % COLORS.length], points: state.history.map((s) => ({ t: s.atMs, y: s.replicas.find((r) => r.id === id)?.connections ?? null })) }));
  lineChart($('chart-connections'), connectionSeries, now);
  legend($('legend-connections'), connectionSeries);
  lineChart($('chart-delivered'), [{ name: 'deliveries/s', color: COLORS[0], points: state.history.map((s) => ({ t: s.atMs, y: s.deliveredPerS })) }], now);
  const latencySeries = [
    { name: 'p50', color: COLORS[2], points: state.history.map((s) => ({ t: s.atMs, y: s.latencyP50Ms })) },
    { name: 'p99', color: COLORS[3], points: state.history.map((s) => ({ t: s.atMs, y: s.latencyP99Ms })) },
  ];
  lineChart($('chart-latency'), latencySeries, now);
  legend($('legend-latency'), latencySeries);
  $('replicas').tBodies[0].replaceChildren(...last.replicas.map((r) => {
    const tr = document.createElement('tr');
    tr.dataset.replica = r.id;
    tr.innerHTML = '<td></td><td></td><td class="num"></td>';
    tr.cells[0].textContent = r.id;
    tr.cells[1].textContent = r.up ? 'up' : 'down';
    tr.cells[1].className = r.up ? '' : 'down';
    tr.cells[2].textContent = String(r.connections);
    return tr;
  }));
  const maxCpu = Math.max(100, ...last.cpu.map((c) => c.percent));
  $('cpu').tBodies[0].replaceChildren(...last.cpu.map((c) => {
    const tr = document.createElement('tr');
    tr.dataset.component = c.component;
    tr.innerHTML = '<td></td><td style="width:60%"><div class="bar"></div></td><td class="num"></td>';
    tr.cells[0].textContent = c.component;
    tr.querySelector('.bar').style.width = ((c.percent / maxCpu) * 100).toFixed(1) + '%';
    tr.cells[2].textContent = c.percent.toFixed(1);
    return tr;
  }));
}
let scheduled = false;
function schedule() {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => { scheduled = false; render(); });
}
function setStatus(online) {
  $('status').textContent = online ? 'live' : 'lab offline, retrying…';
  $('status').className = online ? 'online' : 'offline';
}
function connect() {
  const source = new EventSource('/events');
  source.addEventListener('backlog', (message) => {
    const backlog = JSON.parse(message.data);
    state.history = backlog.history;
    state.events = backlog.events;
    state.phase = backlog.phase;
    setStatus(true);
    schedule();
  });
  source.addEventListener('snapshot', (message) => {
    state.history.push(JSON.parse(message.data).snapshot);
    if (state.history.length > 400) state.history.shift();
    schedule();
  });
  source.addEventListener('event', (message) => {
    state.events.push(JSON.parse(message.data).event);
    schedule();
  });
  source.addEventListener('phase', (message) => {
    state.phase = JSON.parse(message.data).phase;
    schedule();
  });
  source.onerror = () => {
    setStatus(false);
    // the browser retries by itself; once it gives up (CLOSED), start over
    if (source.readyState === EventSource.CLOSED) setTimeout(connect, 1000);
  };
}
connect();
setInterval(() => { if (state.history.length === 0) render(); }, 1000);
`;
