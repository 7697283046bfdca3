import Database from 'better-sqlite3';
import { performance } from 'node:perf_hooks';
export const stats = new Map<string, { n: number; ms: number }>();
const proto = (Database as any).prototype;
const origPrepare = proto.prepare;
proto.prepare = function (sql: string) {
  const st = origPrepare.call(this, sql);
  for (const m of ['run', 'get', 'all']) {
    const f = st[m].bind(st);
    st[m] = (...a: unknown[]) => { const t = performance.now(); try { return f(...a); } finally { const e = stats.get(sql) ?? { n: 0, ms: 0 }; e.n++; e.ms += performance.now() - t; stats.set(sql, e); } };
  }
  return st;
};
const origExec = proto.exec;
proto.exec = function (sql: string) { const t = performance.now(); try { return origExec.call(this, sql); } finally { const e = stats.get(sql) ?? { n: 0, ms: 0 }; e.n++; e.ms += performance.now() - t; stats.set(sql, e); } };
process.on('exit', () => { [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 12).forEach(([s, e]) => console.log(e.ms.toFixed(0).padStart(6), e.n, (e.ms / e.n).toFixed(3), s.replace(/\s+/g, ' ').slice(0, 150))); });
