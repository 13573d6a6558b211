import { useLayoutEffect, useRef } from 'react';
import { useSearchParams } from 'react-router';

/**
 * The page's query string as view state: `params` to read, `setParam(key, value)` to change one
 * key and `setParams({key: value, …})` several at once (an empty or null value removes a key),
 * so every view stays shareable by URL. `replace` (the default) changes the current history
 * entry instead of adding one per keystroke.
 *
 * Each change applies to the query string as the changes before it left it, even when no render
 * came between them: react-router hands a functional update the params of the last render, so
 * clearing the name filter and then the status before a re-render brought the name back.
 */
export function useUrlParams({ replace = true }: { replace?: boolean } = {}) {
  const [params, setSearchParams] = useSearchParams();
  // The query string as the last change left it; each render's params once committed.
  const latest = useRef(params);
  useLayoutEffect(() => {
    latest.current = params;
  }, [params]);
  const setParams = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(latest.current);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    latest.current = next;
    setSearchParams(next, { replace });
  };
  const setParam = (key: string, value: string | null) => setParams({ [key]: value });
  return { params, setParam, setParams };
}
