import type { ReactNode } from 'react';
import { ApiError } from '@/lib/graphql';

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p role="status" className="animate-pulse text-sm text-muted-foreground">
      {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="text-sm text-muted-foreground">{children}</p>;
}

export function ErrorState({ error }: { error: unknown }) {
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof ApiError ? error.code : undefined;
  return (
    <div role="alert" className="rounded-md border border-destructive/50 p-3 text-sm text-destructive">
      {message}
      {code ? <span className="ml-2 font-mono text-xs opacity-80">({code})</span> : null}
    </div>
  );
}
