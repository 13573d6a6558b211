import { ApiError } from './graphql';
import { useSession } from './session';

/**
 * GETs a REST download (`/api/v1/…`) with the session's bearer token and answers its body as a
 * Blob: the server reads credentials from the Authorization header only, so an `<img src>` or
 * a plain link cannot fetch it; views show the Blob through an object URL instead.
 * A refusal's `{code, message}` becomes an ApiError, like a GraphQL error.
 */
export async function fetchBlob(path: string): Promise<Blob> {
  const token = useSession.getState().accessToken;
  let response: Response;
  try {
    response = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  } catch (error) {
    throw new ApiError(`The server cannot be reached (${String(error)})`, 'NETWORK');
  }
  if (response.ok) return response.blob();
  const body = (await response.json().catch(() => null)) as { code?: string; message?: string } | null;
  if (body?.code === 'UNAUTHENTICATED') useSession.getState().signOut();
  throw new ApiError(body?.message ?? `The server answered ${response.status}`, body?.code ?? 'HTTP');
}

/** Saves a Blob as a file through a temporary object URL. */
export function saveBlob(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  // The click starts the download synchronously; the URL is not needed after it.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
