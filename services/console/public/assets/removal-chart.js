// Time to removal as bar charts drawn by Chart.js (bundled by build-assets.mjs, served from the
// console): the median and the 90th percentile (nearest rank, as `relay stats`, INHOPE definitions)
// per country or hoster. The table beside each chart holds the same figures and stays the text
// alternative for keyboards and screen readers; the canvas carries a summary as its label.
import { Chart } from '/assets/gen/chart-lib.js';
import { el } from './dom.js';

/** From the largest unit down: the first in which the slowest figure is at least 2 is the axis's. */
const UNITS = [
  { name: 'days', short: 'd', ms: 86_400_000 },
  { name: 'hours', short: 'h', ms: 3_600_000 },
  { name: 'minutes', short: 'min', ms: 60_000 },
  { name: 'seconds', short: 's', ms: 1_000 },
];
const unitFor = (ms) => UNITS.find((u) => ms >= 2 * u.ms) ?? UNITS[UNITS.length - 1];

/** `3.5 h`, `12.0 min`, `40.2 s`; `–` for none. Demo removals take minutes, real ones days: one unit would hide either. */
export function durationText(ms) {
  if (ms === null || ms === undefined) return '–';
  const unit = unitFor(ms);
  return `${(ms / unit.ms).toFixed(1)} ${unit.short}`;
}

/** Hoster names can be long unbroken words: the axis shows their start, the tooltip and the table all of it. */
const shortened = (text) => (text.length > 22 ? `${text.slice(0, 21)}…` : text);

// The page's own type and ink (console.css), not Chart.js's defaults.
Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
Chart.defaults.color = '#1b1f23';

const COLOURS = { median: '#0b5cad', p90: '#8fb8e0' };
const ROW_PX = 34;
const FRAME_PX = 80;

/**
 * A chart of the `rows` of `/api/operator/stats` that had removals; `id` is the canvas's, `what` the
 * grouping in words (`country`, `hoster`), `tableId` the table with the same figures.
 */
export function createRemovalChart({ id, what, tableId }) {
  const canvas = el('canvas', { id, role: 'img', 'aria-describedby': tableId });
  const box = el('div', { class: 'chart-box' }, canvas);
  const empty = el('p', { class: 'chart-empty' }, `No removal reported yet: no time to removal per ${what} to chart.`);
  const figure = el('figure', { class: 'removal-chart' }, el('figcaption', {}, `Time to removal per ${what}: median and 90th percentile`), box, empty);
  let chart;
  /** The rows drawn: the tooltips give their exact figures. */
  let shown = [];
  const FIGURES = ['medianMs', 'p90Ms'];

  return {
    element: figure,
    /** Draws the figures of `stats` (the answer of `/api/operator/stats`) anew. */
    draw(stats) {
      const rows = (stats?.rows ?? []).filter((r) => r.timeToRemoval.count > 0);
      box.hidden = rows.length === 0;
      empty.hidden = rows.length > 0;
      if (rows.length === 0) return;
      shown = rows;
      const unit = unitFor(Math.max(...rows.map((r) => r.timeToRemoval.p90Ms ?? r.timeToRemoval.medianMs ?? 0)));
      const inUnit = (ms) => (ms === null ? null : ms / unit.ms);
      // Through the CSSOM, not a style attribute: the CSP (style-src 'self') allows only the former.
      box.style.height = `${rows.length * ROW_PX + FRAME_PX}px`;
      canvas.setAttribute(
        'aria-label',
        `Time to removal per ${what}. ${rows.map((r) => `${r.key}: median ${durationText(r.timeToRemoval.medianMs)}, 90th percentile ${durationText(r.timeToRemoval.p90Ms)}, ${r.timeToRemoval.count} removed`).join('; ')}.`,
      );
      const data = {
        labels: rows.map((r) => r.key),
        datasets: [
          { label: 'Median', data: rows.map((r) => inUnit(r.timeToRemoval.medianMs)), backgroundColor: COLOURS.median },
          { label: '90th percentile', data: rows.map((r) => inUnit(r.timeToRemoval.p90Ms)), backgroundColor: COLOURS.p90 },
        ],
      };
      if (chart) {
        chart.data = data;
        chart.options.scales.x.title.text = unit.name;
        chart.update();
        return;
      }
      chart = new Chart(canvas, {
        type: 'bar',
        data,
        options: {
          indexAxis: 'y',
          responsive: true,
          maintainAspectRatio: false,
          // Redrawn with every refresh of the figures; motion would only distract (and reduced motion asks for none).
          animation: false,
          scales: {
            x: { beginAtZero: true, title: { display: true, text: unit.name } },
            y: { ticks: { callback(value) { return shortened(this.getLabelForValue(value)); } } },
          },
          plugins: {
            legend: { position: 'bottom' },
            tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label}: ${durationText(shown[ctx.dataIndex]?.timeToRemoval[FIGURES[ctx.datasetIndex]])}` } },
          },
        },
      });
    },
  };
}
