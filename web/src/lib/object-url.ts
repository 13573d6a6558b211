import { useCallback } from 'react';

/**
 * A ref callback that shows `blob` in an `<img>`, `<audio>` or `<video>` through an object
 * URL, revoked when the element goes away or the blob changes (React 19 ref cleanups), so a
 * page of media does not keep every file it ever showed in memory.
 */
export function useObjectUrlRef(blob: Blob | undefined) {
  return useCallback(
    (element: HTMLImageElement | HTMLMediaElement | null) => {
      if (!element || !blob) return;
      const url = URL.createObjectURL(blob);
      element.src = url;
      return () => URL.revokeObjectURL(url);
    },
    [blob],
  );
}
