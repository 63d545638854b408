// k6 provides a console (log, info, warn, error, debug: https://grafana.com/docs/k6/latest/javascript-api/#console),
// which @types/k6 does not declare and the ES2020 lib does not have.
declare const console: {
  log(...data: unknown[]): void;
  info(...data: unknown[]): void;
  warn(...data: unknown[]): void;
  error(...data: unknown[]): void;
  debug(...data: unknown[]): void;
};
