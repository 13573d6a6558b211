import type { MetricValue } from '@/lib/metric-value';

interface SeriesLike {
  steps: readonly number[];
  values: readonly MetricValue[];
  tailSteps: readonly number[];
  tailValues: readonly MetricValue[];
}

/**
 * The series with live points merged into its raw tail (step order, the later point winning
 * a step), or null when a point falls at or before the downsampled part's last step: only
 * the server can merge it there, so the caller refetches.
 */
export function withLivePoints<S extends SeriesLike>(
  series: S,
  points: readonly { step: number; value: MetricValue }[],
): S | null {
  const bodyEnd = series.steps.length > 0 ? series.steps[series.steps.length - 1]! : Number.NEGATIVE_INFINITY;
  if (points.some((point) => point.step <= bodyEnd)) return null;
  const tail = new Map<number, MetricValue>();
  series.tailSteps.forEach((step, i) => tail.set(step, series.tailValues[i]!));
  for (const point of points) tail.set(point.step, point.value);
  const steps = [...tail.keys()].sort((a, b) => a - b);
  return { ...series, tailSteps: steps, tailValues: steps.map((step) => tail.get(step)!) };
}
