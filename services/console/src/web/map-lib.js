// What the operator's map needs of d3-geo and topojson-client, bundled by build-assets.mjs into
// public/assets/gen/map-lib.js: the console loads nothing from a CDN.
export { geoCentroid, geoNaturalEarth1, geoPath } from 'd3-geo';
export { feature } from 'topojson-client';
