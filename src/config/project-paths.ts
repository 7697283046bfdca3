/** Paths inside the project, independent of the working directory the service starts in. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const POLICY_DIR = join(PROJECT_ROOT, 'config');
