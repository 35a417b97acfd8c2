/** `npm run grafana:dashboard`: writes the dashboard as JSON for Grafana's import (or provisioning). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { wslabDashboard } from './dashboard.js';

export const DASHBOARD_JSON_PATH = join(import.meta.dirname, 'wslab-dashboard.json');

/** The JSON text of the dashboard, as committed. */
export function dashboardJson(): string {
  return `${JSON.stringify(wslabDashboard(), null, 2)}\n`;
}

if (process.argv[1] === import.meta.filename) {
  writeFileSync(DASHBOARD_JSON_PATH, dashboardJson());
  process.stdout.write(`wrote ${DASHBOARD_JSON_PATH}\n`);
}
