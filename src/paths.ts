import { fileURLToPath } from 'node:url';

/** The package's own root, wherever it is installed (src/ under tsx, dist/ once built). */
export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const PUBLIC_DIR = fileURLToPath(new URL('../public', import.meta.url));
