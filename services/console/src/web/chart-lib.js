// What the operator's time-to-removal charts need of Chart.js, bundled by build-assets.mjs into
// dist/web/chart-lib.js (served as /assets/gen/chart-lib.js): horizontal bars on a category and a
// linear axis, with legend and tooltips. Registering only these keeps the bundle small; Chart.js
// styles its canvas through the CSSOM, which the console's CSP (style-src 'self') allows.
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

export { Chart };
