/** The server's MetricValue scalar (codegen maps it to the same union). */
export type MetricValue = number | 'NaN' | 'Infinity' | '-Infinity';

/** The value as a number (NaN and the infinities included). */
export function toNumber(value: MetricValue | null | undefined): number {
  if (value == null) return Number.NaN;
  if (typeof value === 'number') return value;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  return Number.NaN;
}

export function formatMetric(value: MetricValue | null | undefined): string {
  const n = toNumber(value);
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '∞' : '−∞';
  if (n !== 0 && (Math.abs(n) >= 1e6 || Math.abs(n) < 1e-3)) return n.toExponential(3);
  return Number(n.toPrecision(5)).toString();
}
