/** One bar of the waterfall: a run's contribution floating from the running total before it. */
export interface WaterfallStep {
  label: string;
  experiment: number | null;
  contribution: number;
  /** The running total before and after this step. */
  start: number;
  end: number;
  /** The bar's span for a stacked chart: an invisible base, then the visible part. */
  base: number;
  size: number;
}

/**
 * The cumulative waterfall of contributions, in the given order, then a final "total" bar
 * from 0 to the sum. Non-finite contributions count as 0.
 */
export function waterfall(contributions: { experiment: number; contribution: number }[]): WaterfallStep[] {
  const steps: WaterfallStep[] = [];
  let total = 0;
  for (const { experiment, contribution } of contributions) {
    const value = Number.isFinite(contribution) ? contribution : 0;
    const start = total;
    const end = total + value;
    steps.push({ label: `#${experiment}`, experiment, contribution: value, start, end, base: Math.min(start, end), size: Math.abs(value) });
    total = end;
  }
  steps.push({ label: 'total', experiment: null, contribution: total, start: 0, end: total, base: Math.min(0, total), size: Math.abs(total) });
  return steps;
}
