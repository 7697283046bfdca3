/**
 * The Node versions the service supports, in one place: package.json `engines`, the README
 * and this start-up check agree (a test holds them to it). Node 20 reached end of life on
 * 30 April 2026; 22 and 24 are the maintained lines the suite runs on.
 */
export const SUPPORTED_NODE: readonly { major: number; minMinor: number }[] = [
  { major: 22, minMinor: 12 },
  { major: 24, minMinor: 0 },
];

/** The same range as an npm `engines` value: `^22.12.0 || ^24.0.0`. */
export const SUPPORTED_NODE_RANGE = SUPPORTED_NODE.map((v) => `^${v.major}.${v.minMinor}.0`).join(' || ');

export function isSupportedNode(version: string): boolean {
  const [major, minor] = version.replace(/^v/, '').split('.').map(Number);
  return SUPPORTED_NODE.some((v) => v.major === major && (minor ?? 0) >= v.minMinor);
}

/**
 * One line on stderr and exit 2 on any other Node, before anything else is loaded.
 * @public bin/referral.mjs loads it from dist/ by URL, which knip cannot follow.
 */
export function refuseUnsupportedNode(version = process.version): void {
  if (isSupportedNode(version)) return;
  process.stderr.write(
    `Node ${version} is not supported: use Node ${SUPPORTED_NODE.map((v) => `${v.major} (${v.major}.${v.minMinor} or later)`).join(' or ')}.\n`,
  );
  process.exit(2);
}
