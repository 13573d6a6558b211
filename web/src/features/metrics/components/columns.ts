/**
 * The overview's column choice in the URL: `?cols=accuracy,loss` shows those metrics in that
 * order; no `cols` shows the server's default (the key metrics, or every metric when none is
 * configured). Metric names holding a comma cannot be chosen this way.
 */
export function parseColumns(param: string | null): string[] | null {
  if (param === null) return null;
  const names = param
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  return names.length > 0 ? [...new Set(names)] : null;
}

/** The URL value for a choice; null (no parameter) when it is the default again. */
export function columnsParam(chosen: readonly string[], defaults: readonly string[]): string | null {
  const same = chosen.length === defaults.length && chosen.every((name, i) => name === defaults[i]);
  return same || chosen.length === 0 ? null : chosen.join(',');
}

/** Shows or hides one metric: shown ones keep their order, a new one goes last. */
export function toggleColumn(chosen: readonly string[], name: string, shown: boolean): string[] {
  if (shown) return chosen.includes(name) ? [...chosen] : [...chosen, name];
  return chosen.filter((n) => n !== name);
}

/** Every metric the picker offers: the current columns first, then the others by name. */
export function columnChoices(current: readonly string[], ...others: (readonly string[])[]): string[] {
  const rest = [...new Set(others.flat())].filter((name) => !current.includes(name)).sort((a, b) => a.localeCompare(b));
  return [...current, ...rest];
}
