/**
 * `npm run bench`: every benchmark in one run, printed as a table and written to
 * bench/results/latest.json with the machine it ran on. Figures, never assertions.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { benchIntake } from './intake-bench.js';
import { printFigures, type BenchFigure } from './figures.js';

const only = process.argv.slice(2);
const wanted = (name: string) => only.length === 0 || only.includes(name);
const figures: BenchFigure[] = [];

if (wanted('intake')) figures.push(...(await benchIntake({ label: 'SQLite' })));

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
console.log(`\nmachine: ${machine}\n${printFigures(figures)}`);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/latest.json', JSON.stringify({ at: new Date().toISOString(), machine, figures }, null, 2));
