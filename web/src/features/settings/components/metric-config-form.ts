import type { Aggregation, Direction, MetricConfigInput } from '@/lib/generated/graphql';
import type { MetricConfig } from '../api/metric-configs';
import type { Parsed } from './form-values';

export const DIRECTIONS: readonly { value: Direction; label: string }[] = [
  { value: 'MAXIMIZE', label: 'higher is better' },
  { value: 'MINIMIZE', label: 'lower is better' },
];

export const AGGREGATIONS: readonly { value: Aggregation; label: string }[] = [
  { value: 'LAST', label: 'last value' },
  { value: 'BEST', label: 'best value' },
  { value: 'AVERAGE', label: 'average' },
];

/** A key metric as the form holds it: no expression is an empty string. */
export interface MetricForm {
  name: string;
  direction: Direction;
  aggregation: Aggregation;
  expression: string;
}

export type MetricField = keyof MetricForm;

/** The server names the fields it refuses as the input does. */
export const METRIC_SERVER_FIELDS: Readonly<Record<string, MetricField>> = {
  name: 'name',
  direction: 'direction',
  aggregation: 'aggregation',
  expression: 'expression',
};

export const NEW_METRIC: MetricForm = { name: '', direction: 'MAXIMIZE', aggregation: 'LAST', expression: '' };

export function metricFormOf(config: MetricConfig): MetricForm {
  return { name: config.name, direction: config.direction, aggregation: config.aggregation, expression: config.expression ?? '' };
}

/** `setMetricConfig`'s input: a blank expression makes a logged (not derived) metric. */
export function metricConfigInput(form: MetricForm): Parsed<MetricConfigInput, MetricField> {
  const name = form.name.trim();
  if (name === '') return { ok: false, errors: { name: 'must not be empty' } };
  const expression = form.expression.trim();
  return {
    ok: true,
    input: { name, direction: form.direction, aggregation: form.aggregation, expression: expression === '' ? null : expression },
  };
}
