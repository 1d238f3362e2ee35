// The operator's world map: countries from the embedded world-atlas, referral flows from the reporting
// to the hosting country, relocations as moving arcs. SVG only; nothing comes from the internet.
import { feature, geoCentroid, geoNaturalEarth1, geoPath } from '/assets/gen/map-lib.js';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 960;
const HEIGHT = 500;

function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

/** Loads the world and returns a map whose arcs can be redrawn. */
export async function createWorldMap() {
  const [world, numbers] = await Promise.all([
    fetch('/assets/gen/countries-110m.json').then((r) => r.json()),
    fetch('/assets/gen/country-numbers.json').then((r) => r.json()),
  ]);
  const countries = feature(world, world.objects.countries).features;
  const projection = geoNaturalEarth1().fitSize([WIDTH, HEIGHT], { type: 'Sphere' });
  const path = geoPath(projection);
  const root = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-labelledby': 'map-title', id: 'world-map' });
  const title = svg('title', { id: 'map-title' });
  title.textContent = 'Referral flows from reporting to hosting country, and relocations';
  root.append(title, svg('path', { d: path({ type: 'Sphere' }), class: 'sphere' }));
  const land = svg('g', { class: 'land' });
  for (const c of countries) land.append(svg('path', { d: path(c) ?? '', 'data-id': c.id }));
  const arcs = svg('g', { class: 'arcs' });
  root.append(land, arcs);
  const centre = (cc) => {
    const f = countries.find((c) => c.id === numbers[cc]);
    return f ? projection(geoCentroid(f)) : undefined;
  };
  const arc = (from, to) => {
    const a = centre(from);
    const b = centre(to);
    if (!a || !b) return undefined;
    const [mx, my] = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
    const [dx, dy] = [b[0] - a[0], b[1] - a[1]];
    const bend = Math.max(20, Math.hypot(dx, dy) * 0.3);
    const len = Math.hypot(dx, dy) || 1;
    return `M${a[0]},${a[1]} Q${mx - (dy / len) * bend},${my + (dx / len) * bend} ${b[0]},${b[1]}`;
  };
  return {
    element: root,
    /** Draws `flows` ({from, to, kind: 'flow' | 'relocation', count}) anew. */
    draw(flows) {
      arcs.replaceChildren();
      for (const f of flows) {
        const d = f.from === f.to ? undefined : arc(f.from, f.to);
        const at = centre(f.to);
        if (d) {
          const p = svg('path', { d, class: `arc ${f.kind}`, 'data-kind': f.kind, 'data-from': f.from, 'data-to': f.to, 'stroke-width': Math.min(6, 1 + Math.log2(f.count)) });
          const t = svg('title');
          t.textContent = `${f.kind === 'relocation' ? 'moved' : 'referred'} ${f.from} → ${f.to}: ${f.count}`;
          p.append(t);
          arcs.append(p);
        }
        if (at) arcs.append(svg('circle', { cx: at[0], cy: at[1], r: 3, class: `dot ${f.kind}` }));
      }
    },
  };
}
