import { act, renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import { MemoryRouter, useLocation } from 'react-router';
import { describe, expect, it } from 'vitest';
import { useUrlParams } from './url-params';

const within =
  (initial: string) =>
  ({ children }: { children: ReactNode }) => <MemoryRouter initialEntries={[initial]}>{children}</MemoryRouter>;

describe('useUrlParams', () => {
  it('keeps every change made before a re-render', () => {
    const { result } = renderHook(() => ({ url: useUrlParams(), location: useLocation() }), {
      wrapper: within('/p/demo?status=COMPLETE&q=wide&sort=accuracy'),
    });
    act(() => {
      result.current.url.setParam('q', null);
      result.current.url.setParam('status', '');
    });
    expect(result.current.location.search).toBe('?sort=accuracy');
  });

  it('sets and removes several keys at once', () => {
    const { result } = renderHook(() => ({ url: useUrlParams(), location: useLocation() }), {
      wrapper: within('/p/demo?cols=loss'),
    });
    act(() => result.current.url.setParams({ cols: 'loss,accuracy', vs: 'best' }));
    expect(result.current.url.params.get('cols')).toBe('loss,accuracy');
    act(() => result.current.url.setParams({ cols: null, vs: 'best' }));
    expect(result.current.location.search).toBe('?vs=best');
  });
});
