/**
 * The lookup lists the ICCAM adapter maps by, as this process knows them: loaded from the store
 * (where the lookup refresh keeps what ICCAM last served, for every replica), the dated seed for
 * any list never read. `missing` names the words ICCAM lists none of the accepted names of
 * (config/iccam-names.json), and `unmatched` what it lists instead.
 */
import { installedIccamNames } from '../../config/iccam-names-file.js';
import type { IccamAcceptedNames } from '../../domain/iccam-words.js';
import type { Store } from '../../store/store.js';
import {
  ICCAM_LOOKUP_LISTS,
  ICCAM_SEED_AS_OF,
  resolveVocabulary,
  type IccamLookupEntry,
  type IccamLookupList,
  type IccamLookupLists,
  type ResolvedVocabulary,
} from './iccam-lookups.js';

export class IccamVocabulary {
  private lists: IccamLookupLists = {};
  private resolved: ResolvedVocabulary;
  /** When the lists were last read from ICCAM (null: only the seed so far). */
  fetchedAt: number | null = null;

  constructor(
    private readonly store?: Pick<Store, 'loadIccamLookupLists' | 'saveIccamLookupLists'>,
    private readonly accepted: IccamAcceptedNames = installedIccamNames().names,
  ) {
    this.resolved = resolveVocabulary({}, accepted);
  }

  get ids() {
    return this.resolved.ids;
  }

  get missing(): readonly string[] {
    return this.resolved.missing;
  }

  /** Per list with a missing word: the names ICCAM lists that no word accepts (what it lists instead). */
  get unmatched(): ResolvedVocabulary['unmatched'] {
    return this.resolved.unmatched;
  }

  get source(): 'iccam' | 'seed' {
    return this.fetchedAt === null ? 'seed' : 'iccam';
  }

  /** How current the lists are: when ICCAM served them, or the seed's date. */
  get asOf(): string {
    return this.fetchedAt === null ? ICCAM_SEED_AS_OF : new Date(this.fetchedAt).toISOString();
  }

  private loadedAt = 0;

  /** Loads again when the last load is older than `maxAgeMs` (wall clock): replicas stay in step. */
  async loadIfOlderThan(maxAgeMs: number): Promise<void> {
    if (Date.now() - this.loadedAt >= maxAgeMs) await this.load().catch(() => undefined);
  }

  /** Takes what the store holds (another replica may have read ICCAM since). */
  async load(): Promise<void> {
    if (!this.store) return;
    this.loadedAt = Date.now();
    const stored = await this.store.loadIccamLookupLists();
    const lists: IccamLookupLists = {};
    for (const name of ICCAM_LOOKUP_LISTS) if (stored.lists[name]) lists[name] = stored.lists[name];
    this.apply(lists, stored.fetchedAt);
  }

  /** Lists just read from ICCAM: kept in the store first, then used. */
  async replace(fresh: Partial<Record<IccamLookupList, IccamLookupEntry[]>>, now: number): Promise<void> {
    if (this.store) await this.store.saveIccamLookupLists(fresh, now);
    this.apply({ ...this.lists, ...fresh }, now);
  }

  private apply(lists: IccamLookupLists, fetchedAt: number | null): void {
    this.lists = lists;
    this.resolved = resolveVocabulary(lists, this.accepted);
    this.fetchedAt = fetchedAt;
  }
}
