/** Comparing criteria: accuracy-vs-compression curves under equal terms, and a self-contained SVG chart. */
export {
  accuracyAt,
  compareCriteria,
  type CompareOptions,
  type CriterionCurve,
  type CurvePoint,
} from "./compare-criteria.js";
export {
  COLOR_BLIND_SAFE,
  niceTicks,
  renderLineChartSvg,
  type ChartSeries,
  type LineChartOptions,
} from "./line-chart-svg.js";
export { rankAgreementWithCar, type ProxyAgreement } from "./rank-agreement-report.js";
