/**
 * `.env` in the working directory, when present, is read at start-up (the gateway and the
 * token tool): a developer keeps local settings there instead of exporting them. Variables
 * already in the environment win, so a deployment's own settings are never overridden; the
 * file is git-ignored (it may hold credentials).
 */
import { config } from 'dotenv';

export function loadDotEnv(path = '.env'): void {
  // quiet: dotenv would otherwise print a banner on stdout, which `TOKEN=$(…)` would capture.
  config({ path, quiet: true });
}
