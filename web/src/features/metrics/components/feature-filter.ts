/**
 * The overview's feature-value filter: `optimizer.lr=0.01, optimizer.name!=sgd` keeps the runs
 * whose full features match every condition. Paths are dotted (array items by index); a value
 * is compared as the feature's own type (`0.01` matches 1e-2, `true` a boolean, `"1"` only the
 * string), and `!=` also keeps runs that lack the path.
 */
export interface FeatureCondition {
  path: string[];
  value: string;
  negate: boolean;
}

export type ParsedFilter = { conditions: FeatureCondition[]; error: null } | { conditions: []; error: string };

export function parseFeatureFilter(text: string): ParsedFilter {
  const conditions: FeatureCondition[] = [];
  for (const part of text.split(',')) {
    const condition = part.trim();
    if (condition === '') continue;
    const match = /^([^=!]+?)\s*(!=|=)\s*(.*)$/.exec(condition);
    const path = match?.[1]?.split('.').map((key) => key.trim());
    if (!match || !path || path.some((key) => key === '')) {
      return { conditions: [], error: `“${condition}” is not path=value (e.g. optimizer.lr=0.01)` };
    }
    conditions.push({ path, value: (match[3] ?? '').trim(), negate: match[2] === '!=' });
  }
  return { conditions, error: null };
}

/** The value at `path` in nested objects and arrays, or undefined when a step is missing. */
export function featureValueAt(features: unknown, path: readonly string[]): unknown {
  let current: unknown = features;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Whether a feature's value equals the typed text, read as the feature's own type. */
export function valueMatches(actual: unknown, text: string): boolean {
  if (actual === undefined) return false;
  if (typeof actual === 'number') return text !== '' && Number(text) === actual;
  if (typeof actual === 'boolean') return text === String(actual);
  if (actual === null) return text === 'null';
  if (typeof actual === 'string') {
    const quoted = parseJson(text);
    return actual === text || (quoted.ok && quoted.value === actual);
  }
  // Objects and arrays: compared as JSON, whatever the spacing typed.
  const typed = parseJson(text);
  return typed.ok && JSON.stringify(typed.value) === JSON.stringify(actual);
}

export function matchesFeatures(features: unknown, conditions: readonly FeatureCondition[]): boolean {
  return conditions.every((condition) => {
    const matches = valueMatches(featureValueAt(features, condition.path), condition.value);
    return condition.negate ? !matches : matches;
  });
}
