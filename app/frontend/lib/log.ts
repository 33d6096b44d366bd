// A small leveled logger: one JSON line per event on stdout/stderr, which is what a cluster's log collector
// expects. Callers pass only non-secret fields; nothing here reads or prints the environment.

const LEVELS = { debug: 10, info: 20, warning: 30, error: 40 } as const;
type Level = keyof typeof LEVELS;

function threshold(): number {
  // Read on every call so a changed LOG_LEVEL takes effect without rebuilding; an unknown value means "info".
  const configured = (process.env.LOG_LEVEL ?? "info").toLowerCase();
  return configured in LEVELS ? LEVELS[configured as Level] : LEVELS.info;
}

function write(level: Level, message: string, fields: Record<string, string | number | boolean> = {}): void {
  if (LEVELS[level] < threshold()) return;
  const line = JSON.stringify({ time: new Date().toISOString(), level, message, ...fields });
  if (LEVELS[level] >= LEVELS.warning) console.error(line);
  else console.log(line);
}

export const log = {
  debug: (message: string, fields?: Record<string, string | number | boolean>) =>
    write("debug", message, fields),
  info: (message: string, fields?: Record<string, string | number | boolean>) =>
    write("info", message, fields),
  warning: (message: string, fields?: Record<string, string | number | boolean>) =>
    write("warning", message, fields),
  error: (message: string, fields?: Record<string, string | number | boolean>) =>
    write("error", message, fields),
};
