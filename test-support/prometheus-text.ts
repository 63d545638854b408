// The parser lives with the benchmark, which reads every process's /metrics for its report.
export { metricSum, parsePrometheusText, type PromSample } from '../load-tests/src/bench/prom-text.js';
