// What the end-to-end tests and bench/web_paint.mjs share: a real `rsdk serve` on a free
// loopback port with its own data directory, the first start's credentials, and a small
// GraphQL client.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
    server.on('error', reject);
  });
}

/** Calls `check` every 200 ms until it answers something truthy (errors count as not yet). */
export async function waitFor(what, check, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

/**
 * Starts `bin serve` with its data and client settings (`client.toml`, the SDK's server and
 * token) under `dir`, serving the UI from `webDir`; answers its URL, the first administrator's
 * email and password, and the process (also pushed onto `children` for the caller to stop).
 */
export async function startRsdk({ bin, dir, webDir, children }) {
  const port = await freePort();
  const env = {
    ...process.env,
    RSDK_WEB_DIR: webDir,
    RSDK_CLIENT_CONFIG: join(dir, 'client.toml'),
    RSDK_LOG: process.env.RSDK_LOG ?? 'warn',
  };
  const child = spawn(bin, ['serve', '--data-dir', join(dir, 'data'), '--bind', `127.0.0.1:${port}`], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const password = await waitFor('the first-start password', () => {
    if (child.exitCode !== null) throw new Error(`rsdk exited ${child.exitCode}: ${stderr}`);
    return /sign in as (\S+) with password (\S+)/.exec(stderr);
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor('rsdk to be ready', async () => (await fetch(`${url}/readyz`)).ok);
  return { url, email: password[1], password: password[2], process: child };
}

/** A GraphQL client with an optional bearer token: `await gql(query, variables)` answers `data`. */
export function graphqlClient(url, token) {
  return async (query, variables = {}) => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = await response.json();
    if (body.errors) throw new Error(`${query.slice(0, 80)}: ${JSON.stringify(body.errors).slice(0, 1000)}`);
    return body.data;
  };
}

/** Signs in with email and password; answers the session's access token. */
export async function signIn(url, email, password) {
  const { login } = await graphqlClient(url)(
    'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }',
    { e: email, p: password },
  );
  return login.accessToken;
}
