import { Empty } from '@/components/states';
import { featureChanges, formatValue } from './features';

const opStyle = {
  add: 'text-green-700 dark:text-green-300',
  remove: 'text-red-700 dark:text-red-300 line-through',
  replace: 'text-amber-700 dark:text-amber-300',
  move: 'text-muted-foreground',
  copy: 'text-muted-foreground',
  test: '',
} as const;
const opSign = { add: '+', remove: '−', replace: '~', move: '→', copy: '⧉', test: '' } as const;

export function FeatureDiff({ patch }: { patch: unknown }) {
  const changes = featureChanges(patch);
  if (changes.length === 0) return <Empty>No feature changes against the parent.</Empty>;
  return (
    <ul className="font-mono text-sm" data-testid="feature-diff">
      {changes.map((change, i) => (
        <li key={i} className={opStyle[change.op]}>
          <span aria-label={change.op} className="inline-block w-4">
            {opSign[change.op]}
          </span>
          {change.key}
          {change.op === 'remove' ? null : <> = {formatValue(change.value)}</>}
        </li>
      ))}
    </ul>
  );
}

export function FeatureTree({ value }: { value: unknown }) {
  if (value === null || typeof value !== 'object') {
    return <span className="font-mono">{formatValue(value)}</span>;
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  if (entries.length === 0) return <span className="font-mono text-muted-foreground">{Array.isArray(value) ? '[]' : '{}'}</span>;
  return (
    <ul className="ml-4 border-l border-border pl-2 text-sm">
      {entries.map(([key, child]) => (
        <li key={key}>
          <span className="font-medium">{key}</span>
          {child !== null && typeof child === 'object' ? ':' : ' = '}
          <FeatureTree value={child} />
        </li>
      ))}
    </ul>
  );
}
