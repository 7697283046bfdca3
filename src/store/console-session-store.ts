/**
 * The console's sessions as the server keeps them (migration 0012): one row per sign-in, named
 * by the SHA-256 of the random id its cookie carries. A session ends when its row says so
 * (signed out, key removed or changed) or when its times run out; the cookie alone never
 * decides. Shared by every replica through the store.
 */
import {
  CLEAR_CONSOLE_SESSION_DRAFT,
  END_CONSOLE_SESSION,
  INSERT_CONSOLE_SESSION,
  PRUNE_CONSOLE_SESSIONS,
  SELECT_CONSOLE_SESSION,
  SELECT_LIVE_CONSOLE_SESSIONS,
  TOUCH_CONSOLE_SESSION,
} from './console-session-queries.js';
import type { SqlRunner } from './sql-driver.js';
import type { ConsoleSessionRecord, NewConsoleSession } from './store.js';

function toSession(row: Record<string, unknown>): ConsoleSessionRecord {
  return {
    id: String(row.id),
    keyName: String(row.key_name),
    keyTag: String(row.key_tag),
    role: String(row.role),
    issuedAt: Number(row.issued_at),
    seenAt: Number(row.seen_at),
    endedAt: row.ended_at === null || row.ended_at === undefined ? null : Number(row.ended_at),
    endReason: (row.end_reason as string | null) ?? null,
    draft: (row.draft as string | null) ?? null,
  };
}

export class ConsoleSessionStore {
  constructor(private readonly db: SqlRunner) {}

  async createConsoleSession(s: NewConsoleSession): Promise<void> {
    await this.db.run(INSERT_CONSOLE_SESSION, [s.id, s.keyName, s.keyTag, s.role, s.issuedAt, s.issuedAt, s.draft ?? null]);
  }

  async getConsoleSession(id: string): Promise<ConsoleSessionRecord | null> {
    const row = await this.db.get(SELECT_CONSOLE_SESSION, [id]);
    return row ? toSession(row) : null;
  }

  async touchConsoleSession(id: string, seenAt: number): Promise<void> {
    await this.db.run(TOUCH_CONSOLE_SESSION, [seenAt, id, seenAt]);
  }

  async clearConsoleSessionDraft(id: string): Promise<void> {
    await this.db.run(CLEAR_CONSOLE_SESSION_DRAFT, [id]);
  }

  async endConsoleSession(id: string, reason: string, now: number): Promise<boolean> {
    return (await this.db.run(END_CONSOLE_SESSION, [now, reason, id])) > 0;
  }

  async listLiveConsoleSessions(): Promise<ConsoleSessionRecord[]> {
    return (await this.db.all(SELECT_LIVE_CONSOLE_SESSIONS)).map(toSession);
  }

  pruneConsoleSessions(issuedBefore: number): Promise<number> {
    return this.db.run(PRUNE_CONSOLE_SESSIONS, [issuedBefore]);
  }
}
