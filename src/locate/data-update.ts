/**
 * `referral data update`: fetches each published source (config/data-sources.json), checks
 * it with the parser the locator uses (it parses, is not empty, and has not shrunk by more
 * than half against the copy in use unless forced), and only then replaces the file in the
 * published data directory: written beside it and renamed, so a reader sees the old file or
 * the new one, never half of one. MANIFEST.json there records each file's origin and date.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import axios, { type AxiosInstance } from 'axios';
import { coerceError } from '../domain/errors.js';
import { type DataSource, parsePublishedData, readPublishedSource } from './published-data.js';
import { MAX_BOOTSTRAP_BYTES } from './rdap-bootstrap.js';

type UpdateOutcome = 'updated' | 'unchanged' | 'refused' | 'failed';

export interface SourceUpdate {
  id: string;
  outcome: UpdateOutcome;
  /** Entries in the fetched copy (null when it could not be read). */
  entries: number | null;
  /** Entries in the copy in use before (updated or bundled). */
  previousEntries: number | null;
  detail: string;
}

export interface DataUpdateOptions {
  sources: DataSource[];
  dir: string;
  /** Accept a copy that shrank by more than half. */
  force?: boolean;
  timeoutMs?: number;
  /** Largest download accepted (AWS's ip-ranges.json is a few MB). */
  maxBytes?: number;
  now: () => Date;
  http?: AxiosInstance;
}

interface ManifestEntry {
  url: string;
  fetchedAt: string;
  entries: number;
  sha256: string;
}

/** Writes `path` atomically: a temporary file beside it, then a rename over it. */
async function writeFileAtomically(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temporary, content, { flush: true });
  await rename(temporary, path);
}

async function readManifest(dir: string): Promise<Record<string, ManifestEntry>> {
  try {
    return JSON.parse(await readFile(join(dir, 'MANIFEST.json'), 'utf8')) as Record<string, ManifestEntry>;
  } catch {
    return {};
  }
}

export async function updatePublishedData(options: DataUpdateOptions): Promise<SourceUpdate[]> {
  const http =
    options.http ??
    axios.create({
      timeout: options.timeoutMs ?? 30_000,
      // No redirect is followed: a published source is fetched from the URL configured for it,
      // never from wherever an answer points.
      maxRedirects: 0,
      responseType: 'text',
      transformResponse: (d: unknown) => d,
      maxContentLength: options.maxBytes ?? 32 * 1024 * 1024,
      validateStatus: () => true,
    });
  const manifest = await readManifest(options.dir);
  const results: SourceUpdate[] = [];
  for (const source of options.sources) {
    let previousEntries: number | null = null;
    try {
      previousEntries = readPublishedSource(source, options.dir).data.entries;
    } catch {
      // No usable copy at all: any valid download is an improvement.
    }
    const base = { id: source.id, previousEntries };
    let text: string;
    try {
      // The RDAP bootstrap files are a few kB: bounded as registry answers are.
      const response = await http.get<string>(source.url, source.format === 'rdap-bootstrap' ? { maxContentLength: MAX_BOOTSTRAP_BYTES } : {});
      if (response.status !== 200) {
        results.push({ ...base, outcome: 'failed', entries: null, detail: `HTTP ${response.status}` });
        continue;
      }
      text = typeof response.data === 'string' ? response.data : JSON.stringify(response.data);
    } catch (error) {
      results.push({ ...base, outcome: 'failed', entries: null, detail: `fetch failed: ${coerceError(error).message}` });
      continue;
    }
    let entries: number;
    try {
      entries = parsePublishedData(source.format, text, source.id).entries;
    } catch (error) {
      results.push({ ...base, outcome: 'refused', entries: null, detail: `does not parse as ${source.format}: ${coerceError(error).message}` });
      continue;
    }
    if (entries === 0) {
      results.push({ ...base, outcome: 'refused', entries, detail: 'empty' });
      continue;
    }
    if (previousEntries !== null && entries * 2 < previousEntries && !options.force) {
      results.push({
        ...base,
        outcome: 'refused',
        entries,
        detail: `shrank from ${previousEntries} to ${entries} entries (more than half); --force accepts it`,
      });
      continue;
    }
    const sha256 = createHash('sha256').update(text).digest('hex');
    if (manifest[source.id]?.sha256 === sha256) {
      results.push({ ...base, outcome: 'unchanged', entries, detail: 'same as the copy in use' });
      continue;
    }
    await writeFileAtomically(join(options.dir, source.file), text);
    manifest[source.id] = { url: source.url, fetchedAt: options.now().toISOString(), entries, sha256 };
    results.push({ ...base, outcome: 'updated', entries, detail: `${entries} entries` });
  }
  await writeFileAtomically(join(options.dir, 'MANIFEST.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return results;
}
