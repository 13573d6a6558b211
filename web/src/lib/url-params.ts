import { useSearchParams } from 'react-router';

/**
 * The page's query string as view state: `params` to read, `setParam(key, value)` to change one
 * key and `setParams({key: value, …})` several at once (an empty or null value removes a key),
 * so every view stays shareable by URL. `replace` (the default) changes the current history
 * entry instead of adding one per keystroke.
 */
export function useUrlParams({ replace = true }: { replace?: boolean } = {}) {
  const [params, setSearchParams] = useSearchParams();
  const setParams = (changes: Record<string, string | null>) =>
    setSearchParams(
      (current) => {
        const next = new URLSearchParams(current);
        for (const [key, value] of Object.entries(changes)) {
          if (value) next.set(key, value);
          else next.delete(key);
        }
        return next;
      },
      { replace },
    );
  const setParam = (key: string, value: string | null) => setParams({ [key]: value });
  return { params, setParam, setParams };
}
