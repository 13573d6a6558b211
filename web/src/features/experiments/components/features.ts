/** One change of an RFC 6902 JSON Patch, for display. */
export interface FeatureChange {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  value?: unknown;
  from?: string;
}

/** The patch's changes with dotted paths (`/model/depth` → `model.depth`; `~1`, `~0` unescaped). */
export function featureChanges(patch: unknown): (FeatureChange & { key: string })[] {
  if (!Array.isArray(patch)) return [];
  return patch
    .filter((op): op is FeatureChange => typeof op === 'object' && op !== null && typeof op.path === 'string')
    .filter((op) => op.op !== 'test')
    .map((op) => ({
      ...op,
      key:
        op.path
          .split('/')
          .slice(1)
          .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
          .join('.') || '(root)',
    }));
}

export function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return '';
  return JSON.stringify(value);
}
