import { createClient, type Client } from 'graphql-ws/client';
import { useEffect, useEffectEvent } from 'react';
import { useSession } from './session';

/**
 * GraphQL subscriptions over `/graphql/ws` (the graphql-transport-ws protocol). A browser
 * cannot set headers on a WebSocket, so the session's token travels in `connection_init`
 * as `{"Authorization": "Bearer …"}`. One connection serves every subscription of the page;
 * it opens with the first and closes shortly after the last (lazy), reconnects after a drop,
 * and is replaced when the session's token changes.
 */
let shared: { client: Client; token: string } | null = null;

function socketUrl(): string {
  const url = new URL('/graphql/ws', window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

function subscriptionClient(token: string): Client {
  if (shared?.token === token) return shared.client;
  shared?.client.dispose();
  const client = createClient({
    url: socketUrl(),
    connectionParams: { Authorization: `Bearer ${token}` },
    lazy: true,
    lazyCloseTimeout: 3_000,
    retryAttempts: 20,
    // A refused credential (a close with an UNAUTHENTICATED reason) is not worth retrying.
    shouldRetry: (event) => !(event instanceof CloseEvent && event.reason.startsWith('UNAUTHENTICATED')),
  });
  shared = { client, token };
  return client;
}

/** Starts one subscription with the session's token; answers the function that ends it. */
export function subscribe<TData>(
  token: string,
  query: string,
  variables: Record<string, unknown>,
  onData: (data: TData) => void,
): () => void {
  return subscriptionClient(token).subscribe<TData>(
    { query, variables },
    {
      next: (result) => {
        if (result.data) onData(result.data);
      },
      // Live views are an addition to what queries show: a failed or closed subscription
      // leaves the page as it is, so errors are not surfaced.
      error: () => {},
      complete: () => {},
    },
  );
}

/**
 * Runs `query` as a subscription while the component is mounted (and `enabled`), handing each
 * result's data to `onData`.
 */
export function useSubscription<TData>(
  query: string,
  variables: Record<string, unknown>,
  onData: (data: TData) => void,
  enabled = true,
) {
  const token = useSession((s) => s.accessToken);
  const handle = useEffectEvent(onData);
  // The variables by value: a new object with the same values keeps the subscription.
  const key = JSON.stringify(variables);
  useEffect(() => {
    if (!enabled || !token) return;
    return subscribe<TData>(token, query, JSON.parse(key) as Record<string, unknown>, (data) => handle(data));
  }, [query, key, enabled, token]);
}
