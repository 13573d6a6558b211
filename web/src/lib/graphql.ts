import { useSession } from './session';

/**
 * An error the API answered with: its `message`, `extensions.code` and, for a refused value
 * (VALIDATION, CONFLICT), `extensions.field`, the input it names.
 */
export class ApiError extends Error {
  readonly code: string | undefined;
  readonly field: string | undefined;
  constructor(message: string, code?: string, field?: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.field = field;
  }
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; field?: string } }[];
}

/** POSTs one operation to `/graphql` with the session's bearer token. */
export async function gql<TData, TVariables extends object = Record<string, never>>(
  query: string,
  variables?: TVariables,
): Promise<TData> {
  const token = useSession.getState().accessToken;
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables: variables ?? {} }),
    });
  } catch (error) {
    throw new ApiError(`The server cannot be reached (${String(error)})`, 'NETWORK');
  }
  let body: GraphQLResponse<TData>;
  try {
    body = (await response.json()) as GraphQLResponse<TData>;
  } catch {
    throw new ApiError(`The server answered ${response.status} without JSON`, 'HTTP');
  }
  const first = body.errors?.[0];
  if (first) {
    const code = first.extensions?.code;
    if (code === 'UNAUTHENTICATED') useSession.getState().signOut();
    throw new ApiError(first.message, code, first.extensions?.field);
  }
  if (!response.ok || body.data == null) {
    throw new ApiError(`The server answered ${response.status}`, 'HTTP');
  }
  return body.data;
}
