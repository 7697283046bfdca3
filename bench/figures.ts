/** One measured figure; every benchmark returns a list of these. */
export interface BenchFigure {
  name: string;
  value: number;
  unit: string;
}

export function printFigures(figures: readonly BenchFigure[]): string {
  const width = Math.max(...figures.map((f) => f.name.length));
  return figures.map((f) => `${f.name.padEnd(width)}  ${String(f.value).padStart(12)} ${f.unit}`).join('\n');
}
