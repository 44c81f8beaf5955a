// The history view's chart, as inline SVG: for each of the busiest operations, the median
// duration per day (top panel) and the failure rate per day (bottom panel), one colour each.
import { h } from './render.js';

const SVG = 'http://www.w3.org/2000/svg';
const COLOURS = ['#2f6fde', '#d64545', '#1f9d55', '#c77700', '#b35cd6', '#0f8b8d'];
const WIDTH = 760;
const PANEL = 130;
const LEFT = 64;
const RIGHT = 160;
const GAP = 34;

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

/** Milliseconds as the chart labels them. */
export function formatDuration(ms) {
  if (ms === null || ms === undefined) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/**
 * Draws `groups` (taskStats grouped by OPERATION and DAY) into `container`; `limit` operations
 * with the most tasks. Returns the operations drawn.
 */
export function drawChart(container, groups, limit = COLOURS.length) {
  container.replaceChildren();
  const totals = new Map();
  for (const g of groups) totals.set(g.operation ?? '(none)', (totals.get(g.operation ?? '(none)') ?? 0) + g.count);
  const operations = [...totals].sort((a, b) => b[1] - a[1]).slice(0, limit).map(([op]) => op);
  const days = [...new Set(groups.map((g) => g.day))].sort();
  if (!operations.length || !days.length) {
    container.append(h('p', { class: 'muted' }, 'No finished tasks recorded yet.'));
    return [];
  }
  const plotWidth = WIDTH - LEFT - RIGHT;
  const x = (day) => LEFT + (days.length === 1 ? plotWidth / 2 : (days.indexOf(day) / (days.length - 1)) * plotWidth);
  const series = operations.map((op) => groups.filter((g) => (g.operation ?? '(none)') === op).sort((a, b) => (a.day < b.day ? -1 : 1)));
  const maxDuration = Math.max(1, ...groups.map((g) => g.durationMs.p50 ?? 0));
  const panels = [
    { top: 10, label: 'p50 duration', value: (g) => g.durationMs.p50, max: maxDuration, format: formatDuration },
    { top: 10 + PANEL + GAP, label: 'failure rate', value: (g) => g.failureRate, max: 1, format: (v) => `${Math.round(v * 100)}%` },
  ];
  const root = svg('svg', { viewBox: `0 0 ${WIDTH} ${2 * PANEL + GAP + 40}`, role: 'img', 'aria-label': 'Durations and failure rate per operation over time', class: 'history-chart' });
  for (const panel of panels) {
    const y = (v) => panel.top + PANEL - (v / panel.max) * PANEL;
    root.append(
      svg('line', { x1: LEFT, x2: LEFT + plotWidth, y1: panel.top + PANEL, y2: panel.top + PANEL, class: 'axis' }),
      svg('line', { x1: LEFT, x2: LEFT, y1: panel.top, y2: panel.top + PANEL, class: 'axis' }),
      svg('text', { x: LEFT - 6, y: panel.top + 4, 'text-anchor': 'end', class: 'tick' }, panel.format(panel.max)),
      svg('text', { x: LEFT - 6, y: panel.top + PANEL, 'text-anchor': 'end', class: 'tick' }, panel.format(0)),
      svg('text', { x: LEFT + 4, y: panel.top + 10, class: 'panel-label' }, panel.label),
    );
    series.forEach((points, i) => {
      const drawn = points.filter((g) => panel.value(g) !== null && panel.value(g) !== undefined);
      if (drawn.length > 1) root.append(svg('polyline', { points: drawn.map((g) => `${x(g.day)},${y(panel.value(g))}`).join(' '), fill: 'none', stroke: COLOURS[i], 'stroke-width': 2 }));
      for (const g of drawn) {
        root.append(svg('circle', { cx: x(g.day), cy: y(panel.value(g)), r: 3.5, fill: COLOURS[i], class: 'point', 'data-operation': operations[i] }, svg('title', {}, `${operations[i]} ${g.day}: ${panel.format(panel.value(g))} (${g.count} tasks)`)));
      }
    });
  }
  const base = 2 * PANEL + GAP + 28;
  for (const day of days) root.append(svg('text', { x: x(day), y: base, 'text-anchor': 'middle', class: 'tick' }, day));
  operations.forEach((op, i) => {
    root.append(svg('rect', { x: WIDTH - RIGHT + 12, y: 14 + i * 18, width: 10, height: 10, fill: COLOURS[i] }), svg('text', { x: WIDTH - RIGHT + 28, y: 23 + i * 18, class: 'legend' }, op));
  });
  container.append(root);
  return operations;
}
