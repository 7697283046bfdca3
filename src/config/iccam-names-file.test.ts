import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ICCAM_NAMED_LISTS, ICCAM_WORDS } from '../domain/iccam-words.js';
import { iccamNameKey, installedIccamNames, loadIccamNames } from './iccam-names-file.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function writeNames(edit: (names: Record<string, Record<string, string[]>>) => void): string {
  const shipped = structuredClone(installedIccamNames()) as unknown as { asOf: string; names: Record<string, Record<string, string[]>> };
  edit(shipped.names);
  const dir = mkdtempSync(join(tmpdir(), 'hrr-names-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'iccam-names.json'), JSON.stringify({ asOf: shipped.asOf, names: shipped.names }));
  return dir;
}

describe('config/iccam-names.json', () => {
  it('gives every word of every list at least one accepted name, SCARt’s among them', () => {
    const { names } = installedIccamNames();
    for (const list of ICCAM_NAMED_LISTS) {
      for (const word of ICCAM_WORDS[list]) expect((names[list] as Record<string, readonly string[]>)[word]?.length).toBeGreaterThan(0);
    }
    // SCARt's table of 2023-03-17 and the names this service used before.
    expect(names.classifications.baseline).toEqual(expect.arrayContaining(['Baseline CSAM', 'Baseline']));
    expect(names['site-types'].banner).toEqual(expect.arrayContaining(['Banner site', 'Banner']));
  });

  it('compares names without regard to case, spaces, hyphens or underscores', () => {
    expect(iccamNameKey('Not Determined')).toBe(iccamNameKey('not_determined'));
    expect(iccamNameKey('Pre-pubescent')).toBe(iccamNameKey('Prepubescent'));
    expect(iccamNameKey('Image host')).not.toBe(iccamNameKey('Image hosting'));
  });

  it('refuses, naming the file and the field, a word without names, an unknown word, and a name accepted for two words', () => {
    const empty = writeNames((n) => (n['site-types']!.blog = []));
    expect(() => loadIccamNames(empty)).toThrow(/names\.site-types\.blog: needs at least one name/);
    const unknown = writeNames((n) => (n.classifications!.doubtful = ['Doubtful']));
    expect(() => loadIccamNames(unknown)).toThrow(/iccam-names\.json: .*doubtful/);
    const twice = writeNames((n) => n['gender-categories']!.male!.push('female'));
    expect(() => loadIccamNames(twice)).toThrow(/already accepted for female/);
  });

  it('takes a name an operator added, without a release', () => {
    const dir = writeNames((n) => n['site-types']!['image-host']!.push('Picture host'));
    expect(loadIccamNames(dir).names['site-types']['image-host']).toContain('Picture host');
  });
});
