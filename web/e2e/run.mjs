// End-to-end tests: a real `rsdk serve` seeded through its API, the built UI (web/dist) in
// Debian's Chromium driven by playwright-core (no browser download). Prints "N passed, N failed".
//
// Where the UI comes from (E2E_UI): `rsdk` — rsdk serves web/dist itself (RSDK_WEB_DIR);
// `preview` — `vite preview` serves web/dist and proxies /graphql and /api to rsdk; `auto`
// (default) — rsdk when its `/` answers with the built index.html, else preview.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const web = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(web, 'dist');
const out = join(web, 'test-results');
const rsdkBin =
  process.env.RSDK_BIN ?? join(process.env.CARGO_TARGET_DIR ?? join(process.env.HOME, '.cache/rsdk/target'), 'debug/rsdk');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const uiMode = process.env.E2E_UI ?? 'auto';
const PROJECT = 'vision';

const children = [];
const tmp = mkdtempSync(join(tmpdir(), 'rsdk-web-e2e-'));
function cleanup() {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  rmSync(tmp, { recursive: true, force: true });
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
    server.on('error', reject);
  });
}

async function waitFor(what, check, timeoutMs = 30_000) {
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

async function startRsdk() {
  const port = await freePort();
  const env = {
    ...process.env,
    RSDK_WEB_DIR: dist,
    RSDK_CLIENT_CONFIG: join(tmp, 'client.toml'),
    RSDK_LOG: process.env.RSDK_LOG ?? 'warn',
  };
  const child = spawn(rsdkBin, ['serve', '--data-dir', join(tmp, 'data'), '--bind', `127.0.0.1:${port}`], {
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
  await waitFor('rsdk to answer', async () => (await fetch(`${url}/graphql`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"query":"{__typename}"}' })).ok);
  return { url, email: password[1], password: password[2] };
}

async function startPreview(apiUrl) {
  const port = await freePort();
  const child = spawn(join(web, 'node_modules/.bin/vite'), ['preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    cwd: web,
    env: { ...process.env, RSDK_API_URL: apiUrl },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitFor('vite preview', async () => (await fetch(url)).ok);
  return url;
}

async function servesUi(url) {
  const response = await fetch(`${url}/p/${PROJECT}`).catch(() => null);
  return !!response && response.ok && (await response.text()).includes('<div id="root">');
}

/** A GraphQL client for seeding. */
function api(url, token) {
  return async (query, variables = {}) => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = await response.json();
    if (body.errors) throw new Error(`${query.slice(0, 60)}: ${JSON.stringify(body.errors)}`);
    return body.data;
  };
}

// accuracy (maximize) and loss (minimize), logged at steps 0..50; run 4's loss diverged.
const RUNS = [
  { name: 'baseline', parent: null, status: 'COMPLETE', acc: 0.7, loss: 0.9, features: { optimizer: 'sgd', lr: 0.1, width: 64 } },
  { name: 'wide-adam', parent: 1, status: 'COMPLETE', acc: 0.78, loss: 0.7, features: { optimizer: 'adam', lr: 0.001, width: 128 } },
  { name: 'deep-sgd', parent: 1, status: 'COMPLETE', acc: 0.65, loss: 1.0, features: { optimizer: 'sgd', lr: 0.1, width: 64, depth: 50 } },
  { name: 'diverged-lr', parent: 2, status: 'FAILED', acc: 0.5, loss: 'NaN', features: { optimizer: 'adam', lr: 1.0, width: 128 } },
  { name: 'planned-momentum', parent: 1, status: 'PLANNED', features: { optimizer: 'sgd', lr: 0.1, momentum: 0.9 } },
];

// Files: two on #1; its child #2 changes the config, adds a file and keeps the readme
// (a tree is per experiment: the same content declared again).
const README = '# Baseline\n\nPlain SGD.\n';
const FILES = {
  1: { 'config.yaml': 'optimizer: sgd\nlr: 0.1\nwidth: 64\n', 'docs/readme.md': README },
  2: { 'config.yaml': 'optimizer: adam\nlr: 0.1\nwidth: 128\n', 'docs/readme.md': README, 'model.py': 'WIDTH = 128\n' },
};

/** The REST files protocol: plan (what the server lacks), content of each, commit. */
async function uploadFiles(url, token, id, files) {
  const auth = { Authorization: `Bearer ${token}` };
  const manifest = {
    files: Object.entries(files).map(([path, text]) => ({
      path,
      size: Buffer.byteLength(text),
      hash: createHash('sha256').update(text).digest('hex'),
      mime: 'text/plain',
    })),
  };
  const post = async (step) => {
    const response = await fetch(`${url}/api/v1/experiments/${id}/files/${step}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...auth },
      body: JSON.stringify(manifest),
    });
    if (!response.ok) throw new Error(`files/${step} of ${id}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  const { lacking } = await post('plan');
  for (const path of lacking) {
    const file = manifest.files.find((f) => f.path === path);
    const response = await fetch(`${url}/api/v1/experiments/${id}/files/content?path=${encodeURIComponent(path)}`, {
      method: 'PUT',
      headers: { 'Content-Type': file.mime, 'x-rsdk-sha256': file.hash, ...auth },
      body: files[path],
    });
    if (!response.ok) throw new Error(`files/content ${path}: ${response.status} ${await response.text()}`);
  }
  await post('commit');
}

async function seed(url, email, password) {
  const anonymous = api(url);
  const { login } = await anonymous(
    'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }',
    { e: email, p: password },
  );
  const token = login.accessToken;
  const gql = api(url, token);
  await gql('mutation($n: String!) { createProject(input: {name: $n, description: "Image classification runs"}) { id } }', { n: PROJECT });
  for (const [name, direction] of [['accuracy', 'MAXIMIZE'], ['loss', 'MINIMIZE']]) {
    await gql('mutation($p: String!, $c: MetricConfigInput!) { setMetricConfig(project: $p, config: $c) { name } }', {
      p: PROJECT,
      c: { name, direction, aggregation: 'LAST' },
    });
  }
  for (const [i, run] of RUNS.entries()) {
    const { createExperiment } = await gql(
      'mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id number } }',
      { input: { project: PROJECT, name: run.name, parentNumber: run.parent, features: JSON.stringify(run.features) } },
    );
    if (createExperiment.number !== i + 1) throw new Error(`expected experiment ${i + 1}, got ${createExperiment.number}`);
    if (run.acc !== undefined) {
      const points = [];
      for (let step = 0; step <= 50; step += 10) {
        const p = step / 50;
        points.push({ metric: 'accuracy', step, value: run.acc * (0.5 + p / 2), wallTime: 1_700_000_000 + step });
        points.push({ metric: 'loss', step, value: run.loss === 'NaN' && step === 50 ? 'NaN' : (run.loss === 'NaN' ? 2 : run.loss) * (2 - p), wallTime: 1_700_000_000 + step });
      }
      const response = await fetch(`${url}/api/v1/experiments/${createExperiment.id}/metrics`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify({ chunkId: 'all', points }),
      });
      if (response.status !== 201) throw new Error(`metrics of ${run.name}: ${response.status} ${await response.text()}`);
    }
    if (FILES[i + 1]) await uploadFiles(url, token, createExperiment.id, FILES[i + 1]);
    await gql('mutation($p: String!, $n: Int!, $input: UpdateExperimentInput!) { updateExperiment(project: $p, number: $n, input: $input) { number } }', {
      p: PROJECT,
      n: i + 1,
      input: { status: run.status },
    });
  }
  // One hypothesis tested by #2 and #3, its evidence computed now (not by the background job).
  const { createHypothesis } = await gql(
    'mutation($input: CreateHypothesisInput!) { createHypothesis(input: $input) { id } }',
    { input: { project: PROJECT, title: HYPOTHESIS, description: 'Adam beats plain SGD on this model.', targets: [{ metric: 'accuracy', weight: 1 }, { metric: 'loss', weight: 0.5 }], about: ['optimizer'] } },
  );
  await gql('mutation($id: ID!, $n: [Int!]!) { linkExperiments(id: $id, numbers: $n) { id } }', { id: createHypothesis.id, n: [2, 3] });
  await gql('mutation($id: ID!) { recomputeEvidence(id: $id) { score } }', { id: createHypothesis.id });
  return token;
}
const HYPOTHESIS = 'Adam improves accuracy';

// --- the tests: one signed-in page walked through the views, in order ---
const tests = [];
const test = (name, fn) => tests.push({ name, fn });
const assert = (condition, message) => {
  if (!condition) throw new Error(message);
};
const shot = (page, name) => page.screenshot({ path: join(out, `${name}.png`), fullPage: true });

async function rowNames(page) {
  return page.locator('[data-testid="row-name"]').allTextContents();
}

let account;
let check; // GraphQL as the seeding user, to see what the UI changed
test('sign in through the UI', async (page, base) => {
  await page.goto(`${base}/`);
  await page.waitForURL(/\/login$/);
  await shot(page, '01-login');
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Projects' }).waitFor();
});

test('the projects list shows the seeded project', async (page) => {
  const link = page.getByRole('link', { name: new RegExp(PROJECT) });
  await link.waitFor();
  await shot(page, '02-projects');
  await link.click();
  await page.waitForURL(new RegExp(`/p/${PROJECT}$`));
});

test('the overview table highlights against the parent and marks NaN', async (page) => {
  await page.locator('[data-testid="metrics-row"]').first().waitFor();
  assert((await page.locator('[data-testid="metrics-row"]').count()) === RUNS.length, 'one row per experiment');
  assert((await page.locator('[data-class="improved"]').count()) > 0, 'an improved cell');
  assert((await page.locator('[data-class="regressed"]').count()) > 0, 'a regressed cell');
  // The diverged run's loss (NaN) and the planned run's two metrics have no value.
  assert((await page.getByLabel('no value (not logged, or NaN)').count()) === 3, 'three NaN indicators');
  await shot(page, '03-overview');
});

test('sorting by accuracy orders best first, missing last', async (page) => {
  await page.getByRole('button', { name: /^accuracy/ }).click();
  await page.waitForURL(/sort=accuracy/);
  const expected = ['wide-adam', 'baseline', 'deep-sgd', 'diverged-lr', 'planned-momentum'];
  await waitFor(`rows in order ${expected}`, async () => JSON.stringify(await rowNames(page)) === JSON.stringify(expected), 10_000);
  await shot(page, '04-sorted');
});

test('filtering by status and name', async (page) => {
  await page.getByLabel('Filter by status').selectOption('COMPLETE');
  await waitFor('three complete runs', async () => (await rowNames(page)).length === 3, 10_000);
  await page.getByLabel('Filter by name').fill('wide');
  await waitFor('one match', async () => JSON.stringify(await rowNames(page)) === '["wide-adam"]', 10_000);
  await page.getByLabel('Filter by name').fill('');
  await page.getByLabel('Filter by status').selectOption('');
  await waitFor('all rows again', async () => (await rowNames(page)).length === RUNS.length, 10_000);
});

test('a question shows its sentence, rows and Cypher', async (page) => {
  await page.getByLabel('Question about this project').fill('best run by accuracy');
  await page.getByRole('button', { name: 'Ask' }).click();
  const sentence = page.getByTestId('answer-sentence');
  await sentence.waitFor();
  const text = await sentence.textContent();
  assert(/wide-adam|#?2\b/.test(text ?? ''), `the sentence names the best run: ${text}`);
  await page.getByRole('button', { name: /Cypher/ }).click();
  const cypher = page.getByTestId('cypher').first();
  await cypher.waitFor();
  assert(/MATCH/i.test((await cypher.textContent()) ?? ''), 'the Cypher text is shown');
  await shot(page, '05-ask');
});

test('search shows a highlighted hit', async (page) => {
  const results = page.getByRole('list', { name: 'Search results' });
  // The index follows the event bus: ask again until the new experiments are in.
  await waitFor('a search hit', async () => {
    await page.getByLabel(/^Search experiments/).fill('momentum');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await sleep(300);
    return (await results.locator('mark').count()) > 0;
  }, 20_000);
  assert(/momentum/i.test((await results.locator('mark').first().textContent()) ?? ''), 'the match is marked');
  await shot(page, '06-search');
});

test('an experiment shows its feature diff and a metric chart', async (page) => {
  await page.getByRole('link', { name: 'wide-adam', exact: true }).click();
  await page.waitForURL(new RegExp(`/p/${PROJECT}/e/2$`));
  const diff = page.getByTestId('feature-diff');
  await diff.waitFor();
  const text = (await diff.textContent()) ?? '';
  assert(/optimizer = "adam"/.test(text) && /width = 128/.test(text), `the diff against the parent: ${text}`);
  // This run's line and the parent's (#1) dashed one.
  await page.getByTestId('metric-chart').locator('path.recharts-line-curve[name^="parent #1"]').waitFor();
  assert((await page.getByTestId('metric-chart').locator('path.recharts-line-curve').count()) === 2, 'two lines: this run and the parent');
  await page.getByLabel('Metric to chart').selectOption('loss');
  await page.waitForURL(/metric=loss/);
  await page.getByTestId('metric-chart').locator('path.recharts-line-curve').nth(1).waitFor();
  await shot(page, '07-experiment');
});

test("an experiment's files show their status against the parent, a diff and the restore command", async (page) => {
  const status = async (path) => page.locator(`[data-testid="file-entry"][data-path="${path}"]`).getAttribute('data-status');
  await page.locator('[data-testid="file-entry"]').first().waitFor();
  assert((await status('config.yaml')) === 'MODIFIED', 'the config changed');
  assert((await status('model.py')) === 'ADDED', 'the model is new');
  assert((await status('docs/readme.md')) === 'UNCHANGED', 'the readme is inherited');
  await page.getByRole('button', { name: 'config.yaml' }).click();
  await page.waitForURL(/file=config\.yaml/);
  const diff = page.getByTestId('file-diff');
  await diff.waitFor();
  const removed = (await diff.locator('[data-kind="removed"]').allTextContents()).join('\n');
  const added = (await diff.locator('[data-kind="added"]').allTextContents()).join('\n');
  assert(/optimizer: sgd/.test(removed) && /width: 64/.test(removed), `the removed lines: ${removed}`);
  assert(/optimizer: adam/.test(added) && /width: 128/.test(added), `the added lines: ${added}`);
  assert((await diff.getByTestId('diff-highlight').count()) > 0, 'inline highlights');
  const restore = (await page.getByTestId('restore-command').textContent()) ?? '';
  assert(restore === `rsdk restore --project ${PROJECT} --experiment 2`, `the restore command: ${restore}`);
  await page.getByRole('button', { name: 'Copy' }).click();
  await page.getByText(/^(Copied\.|Selected: press Ctrl\+C to copy\.)$/).waitFor();
  assert((await page.getByRole('list', { name: 'Hypothesis contributions' }).getByRole('link', { name: HYPOTHESIS }).count()) === 1, 'the hypothesis contribution');
  await page.getByTestId('file-diff').scrollIntoViewIfNeeded();
  await shot(page, '12-experiment-files');
});

test('the theme toggle switches to dark', async (page) => {
  await page.getByRole('button', { name: 'Theme: system' }).click();
  await page.getByRole('button', { name: 'Theme: light' }).click();
  await page.getByRole('button', { name: 'Theme: dark' }).waitFor();
  assert(/\bdark\b/.test((await page.locator('html').getAttribute('class')) ?? ''), 'html has the dark class');
  await sleep(300); // the buttons' colour transition
  await shot(page, '08-experiment-dark');
});

/** Drags with the mouse in small steps (React Flow follows pointer events), centre to centre. */
async function dragCentreTo(page, from, to) {
  const a = await from.boundingBox();
  const b = await to.boundingBox();
  assert(a && b, 'both nodes are on screen');
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  const steps = 15;
  for (let i = 1; i <= steps; i++) {
    await page.mouse.move(a.x + a.width / 2 + ((b.x - a.x) * i) / steps, a.y + a.height / 2 + ((b.y - a.y) * i) / steps);
    await sleep(20);
  }
  await page.mouse.up();
}

const dagNode = (page, number) => page.locator(`[data-testid="dag-node"][data-number="${number}"]`);
const parentOf = async (number) =>
  (await check('query($p: String!, $n: Int!) { experiment(project: $p, number: $n) { parent { number } status } }', { p: PROJECT, n: number })).experiment;

test('the graph view shows every experiment and edge', async (page) => {
  await page.getByRole('link', { name: `${PROJECT} overview` }).click();
  await page.getByRole('navigation', { name: 'Project views' }).getByRole('link', { name: 'Graph' }).click();
  await page.waitForURL(new RegExp(`/p/${PROJECT}/graph$`));
  await waitFor('five nodes', async () => (await page.getByTestId('dag-node').count()) === RUNS.length, 10_000);
  await waitFor('four edges', async () => (await page.locator('.react-flow__edge').count()) === 4, 10_000);
  for (const [from, to] of [[1, 2], [1, 3], [2, 4], [1, 5]]) {
    assert((await page.locator(`.react-flow__edge[data-id="CHILD_OF-${from}-${to}"]`).count()) === 1, `edge ${from} → ${to}`);
  }
  // Parents above children.
  const y = async (n) => (await dagNode(page, n).boundingBox()).y;
  assert((await y(1)) < (await y(2)) && (await y(2)) < (await y(4)), 'layered top to bottom');
  assert((await dagNode(page, 4).getAttribute('data-status')) === 'FAILED', 'status on the node');
  await shot(page, '09-graph');
});

test('dragging #5 onto #3 reparents it after confirmation', async (page) => {
  await dragCentreTo(page, dagNode(page, 5), dagNode(page, 3));
  const dialog = page.getByRole('dialog', { name: 'Confirm reparent' });
  await dialog.waitFor();
  assert(/Make #5 a child of #3\?/.test((await dialog.textContent()) ?? ''), 'the question names both');
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await waitFor('#5 under #3 on the server', async () => (await parentOf(5)).parent?.number === 3, 10_000);
  await page.locator('.react-flow__edge[data-id="CHILD_OF-3-5"]').waitFor({ state: 'attached' });
  assert((await page.locator('.react-flow__edge[data-id="CHILD_OF-1-5"]').count()) === 0, 'the old edge is gone');
});

test('a reparent that would make a cycle is refused with the reason, the node snaps back', async (page) => {
  // Relative to the canvas: the error shown above it moves the canvas down.
  const place = async () => {
    const [node, canvas] = [await dagNode(page, 1).boundingBox(), await page.getByTestId('dag-canvas').boundingBox()];
    return { x: node.x - canvas.x, y: node.y - canvas.y };
  };
  const before = await place();
  await dragCentreTo(page, dagNode(page, 1), dagNode(page, 4));
  const dialog = page.getByRole('dialog', { name: 'Confirm reparent' });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  const text = (await alert.textContent()) ?? '';
  assert(/cycle/i.test(text) && /1/.test(text) && /4/.test(text) && /CYCLE/.test(text), `the cycle is named: ${text}`);
  await waitFor('#1 back in place', async () => {
    const now = await place();
    return Math.abs(now.x - before.x) < 2 && Math.abs(now.y - before.y) < 2;
  }, 5_000);
  assert((await parentOf(1)).parent === null, '#1 is still a root');
  await shot(page, '09-graph-cycle');
});

test('the keyboard form reparents too', async (page) => {
  await page.getByLabel('Experiment to reparent').selectOption('5');
  await page.getByLabel('New parent').selectOption('1');
  await page.getByRole('button', { name: 'Reparent…' }).click();
  await page.getByRole('dialog', { name: 'Confirm reparent' }).getByRole('button', { name: 'Confirm' }).click();
  await waitFor('#5 back under #1', async () => (await parentOf(5)).parent?.number === 1, 10_000);
  await page.locator('.react-flow__edge[data-id="CHILD_OF-1-5"]').waitFor({ state: 'attached' });
});

test('moving a Kanban card changes the status', async (page) => {
  await page.getByRole('navigation', { name: 'Project views' }).getByRole('link', { name: 'Kanban' }).click();
  await page.waitForURL(new RegExp(`/p/${PROJECT}/kanban$`));
  const column = (status) => page.getByTestId(`kanban-column-${status}`);
  await waitFor('five cards', async () => (await page.getByTestId('kanban-card').count()) === RUNS.length, 10_000);
  assert((await column('COMPLETE').getByTestId('kanban-card').count()) === 3, 'three complete cards');
  await column('PLANNED').locator('[data-number="5"]').dragTo(column('RUNNING'));
  await column('RUNNING').locator('[data-number="5"]').waitFor();
  await waitFor('#5 running on the server', async () => (await parentOf(5)).status === 'RUNNING', 10_000);
  await shot(page, '10-kanban');
  // The keyboard way: the card's "Move to…" select.
  await page.getByLabel('Move #5 to').selectOption('COMPLETE');
  await column('COMPLETE').locator('[data-number="5"]').waitFor();
  await waitFor('#5 complete on the server', async () => (await parentOf(5)).status === 'COMPLETE', 10_000);
});

const hypothesisStatus = async () =>
  (await check('query($p: String!) { hypotheses(project: $p) { nodes { status computedStatus } } }', { p: PROJECT })).hypotheses.nodes[0];

test('the hypotheses list shows status, score and linked runs', async (page) => {
  await page.getByRole('navigation', { name: 'Project views' }).getByRole('link', { name: 'Hypotheses' }).click();
  await page.waitForURL(new RegExp(`/p/${PROJECT}/hypotheses$`));
  const row = page.getByTestId('hypothesis-row');
  await row.waitFor();
  assert((await row.count()) === 1, 'one hypothesis');
  const text = (await row.textContent()) ?? '';
  const { computedStatus } = await hypothesisStatus();
  assert(text.includes(HYPOTHESIS) && text.includes(computedStatus) && /\d\.\d\d/.test(text), `title, status and score: ${text}`);
  assert(/2$/.test(text.trim()), `two linked runs: ${text}`);
});

test('a hypothesis shows its status, explanation, waterfall and timeline', async (page) => {
  await page.getByRole('link', { name: HYPOTHESIS }).click();
  await page.waitForURL(new RegExp(`/p/${PROJECT}/hypotheses/[^/]+$`));
  const explanation = page.getByTestId('evidence-explanation');
  await explanation.waitFor();
  assert(((await explanation.textContent()) ?? '').length > 20, 'a plain-language explanation');
  const { computedStatus } = await hypothesisStatus();
  assert((await page.getByTestId('hypothesis-status').first().getAttribute('data-status')) === computedStatus, 'the computed status');
  await page.getByTestId('waterfall-chart').locator('.recharts-bar-rectangle').first().waitFor();
  await page.getByTestId('timeline-chart').locator('.recharts-line').first().waitFor({ state: 'attached' });
  const linked = page.getByRole('list', { name: 'Linked experiments' });
  assert((await linked.getByRole('link').count()) === 2, 'two linked experiments');
});

test('overriding the status with a reason, then clearing it', async (page) => {
  const { computedStatus } = await hypothesisStatus();
  const target = computedStatus === 'REFUTED' ? 'SUPPORTED' : 'REFUTED';
  // No reason: the API refuses and its message is shown.
  await page.getByLabel('Override status').selectOption(target);
  await page.getByRole('button', { name: 'Set status' }).click();
  await page.getByRole('alert').waitFor();
  await page.getByLabel('Reason for the override').fill('Reviewed the runs by hand');
  await page.getByRole('button', { name: 'Set status' }).click();
  await page.locator(`[data-testid="hypothesis-status"][data-status="${target}"]`).first().waitFor();
  await page.getByTestId('override-note').waitFor();
  assert((await hypothesisStatus()).status === target, 'the override is stored');
  await shot(page, '11-hypothesis');
  await page.getByRole('button', { name: 'Clear override' }).click();
  await page.getByTestId('override-note').waitFor({ state: 'detached' });
  assert((await page.getByTestId('hypothesis-status').first().getAttribute('data-status')) === computedStatus, 'the computed status again');
  assert((await hypothesisStatus()).status === computedStatus, 'the override is cleared');
});

test('compare shows two runs side by side: a differing feature, both metric values, the Pareto plot', async (page, base) => {
  await page.getByRole('navigation', { name: 'Project views' }).getByRole('link', { name: 'Compare' }).click();
  await page.waitForURL(new RegExp(`/p/${PROJECT}/compare$`));
  await page.getByRole('checkbox', { name: '#1 baseline' }).check();
  await page.getByRole('checkbox', { name: '#2 wide-adam' }).check();
  await page.waitForURL(new RegExp(`/p/${PROJECT}/compare\\?runs=1%2C2$|/p/${PROJECT}/compare\\?runs=1,2$`));
  // The shareable URL opens the same view.
  await page.goto(`${base}/p/${PROJECT}/compare?runs=1,2`);
  const optimizer = page.locator('[data-testid="compare-feature-row"]', { hasText: 'optimizer' });
  await optimizer.waitFor();
  assert((await optimizer.getAttribute('data-differs')) === 'true', 'optimizer differs');
  const cells = optimizer.locator('td');
  assert((await cells.nth(0).textContent()) === '"sgd"' && (await cells.nth(1).textContent()) === '"adam"', 'sgd vs adam');
  assert((await cells.nth(1).getAttribute('data-differs')) === 'true', 'the differing cell is marked');
  const lr = page.locator('[data-testid="compare-feature-row"]', { hasText: /^lr/ });
  assert((await lr.getAttribute('data-differs')) === 'true', 'lr differs too (0.1 vs 0.001)');
  const accuracy = page.locator('[data-testid="compare-metric-row"][data-metric="accuracy"] [data-testid="compare-metric-cell"]');
  await waitFor('both accuracy values', async () => (await accuracy.nth(0).textContent()) === '0.7' && (await accuracy.nth(1).textContent()) === '0.78', 10_000);
  const chart = page.getByTestId('pareto-chart');
  await chart.locator('.recharts-scatter-symbol').first().waitFor();
  assert((await chart.locator('.recharts-scatter-symbol').count()) >= 2, 'the runs as points');
  assert(/on the Pareto front \(#2/.test((await chart.textContent()) ?? ''), `#2 on the front: ${await chart.textContent()}`);
  await shot(page, '13-compare');
});

const knowledgeNode = (page, id) => page.locator(`[data-testid="knowledge-node"][data-id="${id}"]`);

test('the knowledge explorer: a run, its parent and features; expanding the parent; filtering out features', async (page, base) => {
  await page.getByRole('navigation', { name: 'Project views' }).getByRole('link', { name: 'Knowledge' }).click();
  await page.waitForURL(new RegExp(`/p/${PROJECT}/knowledge$`));
  await page.getByTestId('knowledge-node').first().waitFor();
  await page.goto(`${base}/p/${PROJECT}/knowledge?node=experiment:2`);
  await knowledgeNode(page, 'experiment:2').waitFor();
  await knowledgeNode(page, 'experiment:1').waitFor();
  await knowledgeNode(page, 'feature:optimizer').waitFor();
  await knowledgeNode(page, 'metric:accuracy').waitFor();
  assert((await knowledgeNode(page, 'experiment:4').count()) === 1, 'the child #4');
  const before = await page.getByTestId('knowledge-node').count();
  assert((await knowledgeNode(page, 'experiment:3').count()) === 0, 'no #3 before expanding #1');
  await knowledgeNode(page, 'experiment:1').click();
  await knowledgeNode(page, 'experiment:3').waitFor();
  await knowledgeNode(page, 'experiment:5').waitFor();
  const after = await page.getByTestId('knowledge-node').count();
  assert(after > before, `more nodes after expanding: ${before} → ${after}`);
  assert((await knowledgeNode(page, 'experiment:1').getAttribute('data-expanded')) === 'true', '#1 expanded');
  const ids = await page.getByTestId('knowledge-node').evaluateAll((els) => els.map((e) => e.dataset.id));
  assert(new Set(ids).size === ids.length, 'no node twice');
  await shot(page, '14-knowledge');
  await page.getByLabel('feature', { exact: true }).uncheck();
  await waitFor('no feature nodes', async () => (await page.locator('[data-testid="knowledge-node"][data-kind="feature"]').count()) === 0, 5_000);
  assert((await knowledgeNode(page, 'experiment:1').count()) === 1, 'the runs stay');
});

async function main() {
  assert(existsSync(join(dist, 'index.html')), `${dist}/index.html is missing: run \`npm run build\` first`);
  assert(existsSync(rsdkBin), `${rsdkBin} is missing: cargo build -p api --bin rsdk`);
  rmSync(out, { recursive: true, force: true }); // only this run's screenshots
  mkdirSync(out, { recursive: true });
  const rsdk = await startRsdk();
  account = rsdk;
  check = api(rsdk.url, await seed(rsdk.url, rsdk.email, rsdk.password));
  const fromRsdk = uiMode === 'rsdk' || (uiMode === 'auto' && (await servesUi(rsdk.url)));
  const base = fromRsdk ? rsdk.url : await startPreview(rsdk.url);
  console.log(`e2e: UI from ${fromRsdk ? 'rsdk serve' : 'vite preview'} at ${base}; API at ${rsdk.url}`);

  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.setDefaultTimeout(10_000);
  const consoleErrors = [];
  page.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));
  page.on('pageerror', (error) => consoleErrors.push(String(error)));

  let passed = 0;
  let failed = 0;
  let broken = false;
  for (const { name, fn } of tests) {
    if (broken) {
      console.log(`✗ ${name} (skipped after an earlier failure)`);
      failed++;
      continue;
    }
    try {
      await fn(page, base);
      console.log(`✓ ${name}`);
      passed++;
    } catch (error) {
      console.log(`✗ ${name}\n    ${String(error?.message ?? error).split('\n').join('\n    ')}`);
      await shot(page, `failed-${name.replace(/\W+/g, '-')}`).catch(() => {});
      failed++;
      broken = true; // the tests walk one page: later ones depend on earlier ones
    }
  }
  if (consoleErrors.length === 0) {
    console.log('✓ no console errors');
    passed++;
  } else {
    console.log(`✗ no console errors\n    ${consoleErrors.join('\n    ')}`);
    failed++;
  }
  await browser.close();
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

main()
  .catch((error) => {
    console.error(error);
    console.log('e2e: 0 passed, 1 failed');
    process.exitCode = 1;
  })
  .finally(() => process.exit()); // the servers' pipes would keep node alive
