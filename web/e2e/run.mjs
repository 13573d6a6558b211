// End-to-end tests: a real `rsdk serve` seeded through the Python SDK (e2e/seed.py, run with
// RSDK_PYTHON, default the venv `make test-web` installs research_sdk into), the built UI
// (web/dist) in Debian's Chromium driven by playwright-core (no browser download). Prints
// "N passed, N failed".
//
// Where the UI comes from (E2E_UI): `rsdk` — rsdk serves web/dist itself (RSDK_WEB_DIR);
// `preview` — `vite preview` serves web/dist and proxies /graphql and /api to rsdk; `auto`
// (default) — rsdk when its `/` answers with the built index.html, else preview.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { freePort, graphqlClient, signIn, sleep, startRsdk, waitFor } from './server.mjs';

const web = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(web, 'dist');
const out = join(web, 'test-results');
const rsdkBin =
  process.env.RSDK_BIN ?? join(process.env.CARGO_TARGET_DIR ?? join(process.env.HOME, '.cache/rsdk/target'), 'debug/rsdk');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const uiMode = process.env.E2E_UI ?? 'auto';
const python = process.env.RSDK_PYTHON ?? join(process.env.HOME, '.cache/rsdk/venv/bin/python');
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

/** Runs e2e/seed.py with the venv's Python (research_sdk installed); answers its JSON output. */
function sdk(...args) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(python, [join(web, 'e2e/seed.py'), ...args, '--config', join(tmp, 'client.toml')], {
      env: { ...process.env, RSDK_SPOOL_DIR: join(tmp, 'spool'), RSDK_LOG: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolveRun(JSON.parse(stdout.trim().split('\n').pop()));
      else reject(new Error(`seed.py ${args[0]} exited ${code}: ${stderr.slice(-3000)}`));
    });
  });
}

// The runs seed.py creates (accuracy maximised, loss minimised; #4's loss diverged to NaN).
const RUNS = ['baseline', 'wide-adam', 'deep-sgd', 'diverged-lr', 'planned-momentum'];
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
let check; // GraphQL as the signed-in administrator, to see what the UI changed
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

/** The metric cells of the row named `name`, in column order. */
const metricCell = (page, name, column) =>
  page
    .locator('[data-testid="metrics-row"]', { has: page.locator('[data-testid="row-name"]', { hasText: new RegExp(`^${name}$`) }) })
    .locator('[data-class]')
    .nth(column);
const columnNames = (page) => page.getByTestId('metric-column').evaluateAll((els) => els.map((e) => e.dataset.metric));
const sorted = (list) => JSON.stringify([...list].sort());

test('filtering by feature value', async (page) => {
  const filter = page.getByLabel('Filter by feature value');
  await filter.fill('optimizer=adam');
  await page.waitForURL(/feature=optimizer/);
  await waitFor('the two adam runs', async () => sorted(await rowNames(page)) === sorted(['wide-adam', 'diverged-lr']), 10_000);
  await filter.fill('lr=0.1, optimizer!=adam');
  await waitFor('the sgd runs at lr 0.1', async () => sorted(await rowNames(page)) === sorted(['baseline', 'deep-sgd', 'planned-momentum']), 10_000);
  await shot(page, '15-feature-filter');
  await filter.fill('width');
  await page.getByRole('alert').filter({ hasText: 'is not path=value' }).waitFor();
  await filter.fill('');
  await waitFor('all rows again', async () => (await rowNames(page)).length === RUNS.length, 10_000);
});

test('highlighting against the best run instead of the parent', async (page) => {
  const rootAccuracy = metricCell(page, 'baseline', 0);
  assert((await rootAccuracy.getAttribute('data-class')) === 'unchanged', 'a root has no parent to be better or worse than');
  await page.getByLabel('Compare with').selectOption('best');
  await page.waitForURL(/vs=best/);
  await waitFor('the root worse than the best run', async () => (await rootAccuracy.getAttribute('data-class')) === 'regressed', 10_000);
  const title = (await rootAccuracy.getAttribute('title')) ?? '';
  assert(/vs the parent: no comparison · vs the best run: -0\.08/.test(title), `both comparisons in the tooltip: ${title}`);
  await shot(page, '16-versus-best');
  await page.getByLabel('Compare with').selectOption('parent');
  await waitFor('the parent again', async () => (await rootAccuracy.getAttribute('data-class')) === 'unchanged', 10_000);
  assert(!page.url().includes('vs='), 'the default leaves the URL');
});

test('the column picker chooses the metrics shown, kept in the URL', async (page) => {
  await page.getByRole('button', { name: /^▸ Columns/ }).click();
  // A click, not uncheck(): the boxes follow the URL (see the compare test).
  await page.getByRole('group', { name: 'Metrics shown' }).getByLabel('loss', { exact: true }).click();
  await page.waitForURL(/cols=accuracy/);
  await waitFor('only accuracy', async () => JSON.stringify(await columnNames(page)) === '["accuracy"]', 10_000);
  await shot(page, '17-columns');
  // The URL is the view: opened again, it shows the same columns.
  await page.reload();
  await page.getByTestId('metrics-row').first().waitFor();
  assert(JSON.stringify(await columnNames(page)) === '["accuracy"]', 'the columns survive a reload');
  await page.getByRole('button', { name: /^▸ Columns/ }).click();
  await page.getByRole('button', { name: 'Key metrics' }).click();
  await waitFor('both key metrics again', async () => JSON.stringify(await columnNames(page)) === '["accuracy","loss"]', 10_000);
  assert(!page.url().includes('cols='), 'the default leaves the URL');
  await page.getByRole('button', { name: /^▾ Columns/ }).click();
});

test('a point logged through the SDK shows in the open overview', async (page) => {
  const accuracy = metricCell(page, 'deep-sgd', 0);
  assert(/^0\.65/.test((await accuracy.textContent()) ?? ''), `deep-sgd's accuracy before: ${await accuracy.textContent()}`);
  await sdk('live', '--number', '3', '--metric', 'accuracy', '--step', '60', '--value', '0.66');
  await waitFor('the new value, without a reload', async () => /^0\.66/.test((await accuracy.textContent()) ?? ''), 10_000);
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

test("an experiment's code against the parent, with a side-by-side diff", async (page) => {
  const code = page.getByTestId('code-changes');
  const status = (path) => code.locator(`[data-testid="code-entry"][data-path="${path}"]`).getAttribute('data-status');
  await code.getByTestId('code-entry').first().waitFor();
  assert((await status('train.py')) === 'MODIFIED', 'the training script changed');
  assert((await status('schedule.py')) === 'ADDED', 'the schedule is new');
  await code.getByRole('button', { name: 'train.py' }).click();
  await page.waitForURL(/code=train\.py/);
  const diff = code.getByTestId('file-diff');
  await diff.waitFor();
  const removed = (await diff.locator('[data-kind="removed"]').allTextContents()).join('\n');
  const added = (await diff.locator('[data-kind="added"]').allTextContents()).join('\n');
  assert(/LR = 0\.1$/m.test(removed) && /'sgd'/.test(removed), `the removed lines: ${removed}`);
  assert(/LR = 0\.001/.test(added) && /'adam'/.test(added), `the added lines: ${added}`);
  await code.scrollIntoViewIfNeeded();
  await shot(page, '18-code-diff');
});

test('media: an image, audio, text and tables drawn inline', async (page) => {
  const item = (path) => page.locator(`[data-testid="media-item"][data-path="${path}"]`);
  const image = item('media/samples/00000000.png').locator('img');
  await waitFor('the image decoded', () => image.evaluate((img) => img.complete && img.naturalWidth === 32 && img.naturalHeight === 24), 10_000);
  const audio = item('media/tone/00000000.wav').locator('audio');
  await waitFor('the audio loaded', () => audio.evaluate((a) => a.src.startsWith('blob:') && a.readyState >= 1 && a.duration > 0), 10_000);
  const text = (await item('text/notes/00000000.txt').getByTestId('media-text').textContent()) ?? '';
  assert(text.includes('Converges in half the steps'), `the logged text: ${text}`);
  const csv = item('results/per_class.csv').getByTestId('media-table');
  assert((await csv.locator('th').allTextContents()).join('|') === 'class|precision|note', 'the CSV header');
  assert((await csv.getByRole('cell', { name: 'fluffy, mostly' }).count()) === 1, 'a quoted CSV field stays one cell');
  const table = item('tables/confusion/00000000.json').getByTestId('media-table');
  assert((await table.locator('tbody tr').first().textContent()) === 'cat0.91', 'the logged table');
  await page.getByTestId('media-item').first().scrollIntoViewIfNeeded();
  await shot(page, '19-media');
});

test('the chart grows while the run logs through the SDK', async (page) => {
  await page.getByTestId('metric-chart').scrollIntoViewIfNeeded();
  const chart = page.getByTestId('metric-chart');
  assert(new URL(page.url()).searchParams.get('metric') === 'loss', 'the loss is charted');
  assert((await chart.getAttribute('data-points')) === '6', `six points before: ${await chart.getAttribute('data-points')}`);
  await sdk('live', '--number', '2', '--metric', 'loss', '--step', '60', '--value', '0.3');
  // The new point arrives by the metricPoints subscription (no reload, no refetch of the series).
  await waitFor('a seventh point', async () => (await chart.getAttribute('data-points')) === '7', 10_000);
  const lastLoss = page.locator('tr', { has: page.getByRole('cell', { name: 'loss', exact: true }) }).getByRole('cell').nth(1);
  await waitFor('the summary follows', async () => (await lastLoss.textContent()) === '0.3', 10_000);
  await shot(page, '20-live-chart');
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

test('graph nodes mark the chosen metric against the parent, by its direction', async (page) => {
  const indicator = (n) => dagNode(page, n).getByTestId('dag-indicator');
  const trends = async (...numbers) => Promise.all(numbers.map(async (n) => indicator(n).getAttribute('data-trend')));
  await indicator(2).waitFor();
  // accuracy, the first key metric: higher is better.
  await waitFor('accuracy indicators', async () => JSON.stringify(await trends(1, 2, 3, 5)) === '["unchanged","improved","regressed","missing"]', 10_000);
  assert(((await indicator(2).textContent()) ?? '').includes('▲'), 'accuracy went up on #2');
  await page.getByLabel('Indicator metric').selectOption('loss');
  await page.waitForURL(/metric=loss/);
  // loss: lower is better, so #2's drop is an improvement and #3's rise a regression. The
  // trends read the same as accuracy's did, so wait for the nodes to show loss first.
  await waitFor('loss on the nodes', async () => ((await indicator(2).textContent()) ?? '').includes('loss'), 10_000);
  await waitFor('loss indicators', async () => JSON.stringify(await trends(2, 3)) === '["improved","regressed"]', 10_000);
  assert(((await indicator(2).textContent()) ?? '').includes('▼'), 'the loss went down on #2');
  assert(['missing', 'nan'].includes(await indicator(4).getAttribute('data-trend')), "#4's loss diverged");
  await shot(page, '09-graph-indicators');
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
  // Clicks, not check(): the boxes follow the URL, which React Router updates in a transition
  // (a checkbox may show its old state for a frame after the click).
  await page.getByRole('checkbox', { name: '#1 baseline' }).click();
  await page.waitForURL(/runs=1$/);
  await page.getByRole('checkbox', { name: '#2 wide-adam' }).click();
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
  // The view is fitted again around the grown graph: every node inside the canvas.
  await waitFor('every node on the canvas', async () => {
    const canvas = await page.getByTestId('knowledge-canvas').boundingBox();
    const boxes = await page.getByTestId('knowledge-node').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON()));
    return boxes.every((b) => b.x >= canvas.x - 1 && b.y >= canvas.y - 1 && b.right <= canvas.x + canvas.width + 1 && b.bottom <= canvas.y + canvas.height + 1);
  }, 5_000);
  const ids = await page.getByTestId('knowledge-node').evaluateAll((els) => els.map((e) => e.dataset.id));
  assert(new Set(ids).size === ids.length, 'no node twice');
  await shot(page, '14-knowledge');
  await page.getByLabel('feature', { exact: true }).uncheck();
  await waitFor('no feature nodes', async () => (await page.locator('[data-testid="knowledge-node"][data-kind="feature"]').count()) === 0, 5_000);
  assert((await knowledgeNode(page, 'experiment:1').count()) === 1, 'the runs stay');
});

const settingsOf = async () =>
  (await check('query($p: String!) { project(name: $p) { namingPattern } metricConfigs(project: $p) { name direction expression } }', { p: PROJECT }));

test('settings: a refused naming pattern is shown at its field, a valid one is kept after a reload', async (page) => {
  await page.getByRole('navigation', { name: 'Project views' }).getByRole('link', { name: 'Settings' }).click();
  await page.waitForURL(new RegExp(`/p/${PROJECT}/settings$`));
  const pattern = page.getByLabel('Naming pattern');
  await pattern.waitFor();
  const before = (await settingsOf()).project.namingPattern;
  assert((await pattern.inputValue()) === before, `the stored pattern is shown: ${await pattern.inputValue()}`);
  await pattern.fill('^(?P<number>\\d+_.+$'); // an unclosed group
  await page.getByRole('button', { name: 'Save settings' }).click();
  const error = page.locator('[data-testid="field-error"][data-field="namingPattern"]');
  await error.waitFor();
  assert(/not a valid regex/.test((await error.textContent()) ?? ''), `the server's reason at the field: ${await error.textContent()}`);
  assert((await pattern.getAttribute('aria-invalid')) === 'true', 'the field is marked invalid');
  assert((await settingsOf()).project.namingPattern === before, 'nothing stored');
  await shot(page, '21-settings-invalid-pattern');
  const valid = '^(?:(?P<number>\\d+)_)?.+$';
  await pattern.fill(valid);
  assert((await error.count()) === 0, 'editing clears the stale refusal');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  assert((await settingsOf()).project.namingPattern === valid, 'the pattern is stored');
  await page.reload();
  await waitFor('the saved pattern after a reload', async () => (await page.getByLabel('Naming pattern').inputValue()) === valid, 10_000);
});

test('settings: adding a derived key metric', async (page) => {
  const form = page.getByRole('form', { name: 'Add a key metric' });
  await form.getByLabel('Metric name').fill('error');
  await form.getByLabel('Direction').selectOption('MINIMIZE');
  await form.getByLabel('Derived expression (optional)').fill('1 - accuracy');
  await form.getByRole('button', { name: 'Add metric' }).click();
  const row = page.locator('[data-testid="metric-config-row"][data-name="error"]');
  await row.waitFor();
  assert(/lower is better/.test((await row.textContent()) ?? '') && /1 - accuracy/.test((await row.textContent()) ?? ''), `the new row: ${await row.textContent()}`);
  const stored = (await settingsOf()).metricConfigs.find((m) => m.name === 'error');
  assert(stored?.direction === 'MINIMIZE' && stored.expression === '1 - accuracy', `stored: ${JSON.stringify(stored)}`);
  assert((await form.getByLabel('Metric name').inputValue()) === '', 'the form is empty again');
});

const MEMBER = { email: 'grace@example.com', displayName: 'Grace Hopper', password: 'a long enough password' };
const memberRole = (page, id) => page.locator(`[data-testid="member-row"][data-id="${id}"] [data-testid="member-role"]`);
let memberId;

test("settings: adding a member and changing their role, seen in the list", async (page) => {
  ({ createUser: { id: memberId } } = await check('mutation($i: CreateUserInput!) { createUser(input: $i) { id } }', { i: MEMBER }));
  await page.reload(); // the user list is read when the page opens
  const add = page.getByRole('form', { name: 'Add a member' });
  await add.getByLabel('User', { exact: true }).selectOption(memberId);
  await add.getByLabel('Role', { exact: true }).selectOption('VIEWER');
  await add.getByRole('button', { name: 'Add member' }).click();
  await waitFor('Grace as a viewer', async () => (await memberRole(page, memberId).getAttribute('data-role')) === 'VIEWER', 10_000);
  await page.getByLabel(`Own role of ${MEMBER.displayName}`).selectOption('RESEARCHER');
  await page.getByRole('button', { name: `Set the role of ${MEMBER.displayName}` }).click();
  await waitFor('Grace as a researcher', async () => (await memberRole(page, memberId).getAttribute('data-role')) === 'RESEARCHER', 10_000);
  const row = page.locator(`[data-testid="member-row"][data-id="${memberId}"]`);
  assert(/own role/.test((await row.textContent()) ?? ''), `where the role comes from: ${await row.textContent()}`);
  const { projectMembers } = await check('query($p: String!) { projectMembers(project: $p) { person { id } role } }', { p: PROJECT });
  assert(projectMembers.find((m) => m.person.id === memberId)?.role === 'RESEARCHER', 'the role is stored');
  await row.scrollIntoViewIfNeeded();
  await shot(page, '22-settings');
});

test('settings: a researcher gets no tab, and the page read only with the reason', async (page, base) => {
  const other = await page.context().browser().newPage({ viewport: { width: 1400, height: 1000 } });
  try {
    await other.goto(`${base}/login`);
    await other.getByLabel('Email').fill(MEMBER.email);
    await other.getByLabel('Password').fill(MEMBER.password);
    await other.getByRole('button', { name: 'Sign in' }).click();
    await other.getByRole('heading', { name: 'Projects' }).waitFor();
    await other.goto(`${base}/p/${PROJECT}/settings`);
    const note = other.getByTestId('settings-read-only');
    await note.waitFor();
    assert(/Only project admins can change settings/.test((await note.textContent()) ?? ''), `the reason: ${await note.textContent()}`);
    await other.getByLabel('Naming pattern').waitFor();
    assert(await other.getByLabel('Naming pattern').isDisabled(), 'the settings are read only');
    const tabs = other.getByRole('navigation', { name: 'Project views' });
    await tabs.getByRole('link', { name: 'Overview' }).waitFor();
    assert((await tabs.getByRole('link', { name: 'Settings' }).count()) === 0, 'no Settings tab');
    await shot(other, '23-settings-read-only');
  } finally {
    await other.close();
  }
});

async function main() {
  assert(existsSync(join(dist, 'index.html')), `${dist}/index.html is missing: run \`npm run build\` first`);
  assert(existsSync(rsdkBin), `${rsdkBin} is missing: cargo build -p api --bin rsdk`);
  assert(existsSync(python), `${python} is missing: make python-env wheel, then install the wheel (make test-web does both)`);
  rmSync(out, { recursive: true, force: true }); // only this run's screenshots
  mkdirSync(out, { recursive: true });
  const rsdk = await startRsdk({ bin: rsdkBin, dir: tmp, webDir: dist, children });
  account = rsdk;
  await sdk('seed', '--workdir', join(tmp, 'seed'));
  check = graphqlClient(rsdk.url, await signIn(rsdk.url, rsdk.email, rsdk.password));
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
