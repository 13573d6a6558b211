// Web UI paint benchmark: a project of 10,000 experiments × 4 metrics served by a real `rsdk
// serve` (with the built UI, web/dist), opened in Debian's Chromium through playwright-core.
// Prints first contentful paint and time to table of the project overview (cold: a fresh
// browser profile; warm: the page opened again), the time until every row is loaded, and
// the smoothness of a programmatic scroll through all 10,000 rows of the virtualised table
// (frame times, long tasks, rows in the DOM).
//
//   node bench/web_paint.mjs            # after `make web`; RSDK_BIN picks the server binary
//
// Environment: RSDK_BIN (default: the release build if present, else the debug build),
// BENCH_EXPERIMENTS (default 10000), CHROMIUM (default /usr/bin/chromium), BENCH_KEEP=1 keeps
// the data directory. Seeding goes over GraphQL (createExperiment, 25 aliases a request) and
// the metrics REST endpoint (one JSON chunk per run, 8 requests in flight).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { graphqlClient, signIn, startRsdk } from '../web/e2e/server.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { chromium } = createRequire(join(repo, 'web/package.json'))('playwright-core');
const target = process.env.CARGO_TARGET_DIR ?? join(process.env.HOME, '.cache/rsdk/target');
const release = join(target, 'release/rsdk');
const rsdkBin = process.env.RSDK_BIN ?? (existsSync(release) ? release : join(target, 'debug/rsdk'));
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const EXPERIMENTS = Number(process.env.BENCH_EXPERIMENTS ?? 10_000);
const PROJECT = 'bench';
const METRICS = [
  ['loss', 'MINIMIZE'],
  ['accuracy', 'MAXIMIZE'],
  ['lr', null],
  ['grad_norm', null],
];
const ALIASES_PER_REQUEST = 25;
const CHUNKS_IN_FLIGHT = 8;
const ROW_HEIGHT = 36; // the table's fixed row height (metrics-table-view.tsx)

const tmp = mkdtempSync(join(tmpdir(), 'rsdk-web-paint-'));
const children = [];
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  if (!process.env.BENCH_KEEP) rmSync(tmp, { recursive: true, force: true });
});
process.on('SIGINT', () => process.exit(130));

/** Runs `work(item)` over `items` with at most `limit` in flight. */
async function inParallel(items, limit, work) {
  let next = 0;
  const workers = Array.from({ length: limit }, async () => {
    while (next < items.length) await work(items[next++]);
  });
  await Promise.all(workers);
}

// A deterministic tree: run n's parent is one of the 50 runs before it (a bushy, deep DAG).
let seed = 42;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const parentOf = (n) => (n === 1 ? null : Math.max(1, n - 1 - Math.floor(random() * Math.min(50, n - 1))));

async function seedProject(url, token) {
  const gql = graphqlClient(url, token);
  await gql('mutation($n: String!) { createProject(input: {name: $n}) { id } }', { n: PROJECT });
  for (const [name, direction] of METRICS.filter(([, d]) => d)) {
    await gql('mutation($p: String!, $c: MetricConfigInput!) { setMetricConfig(project: $p, config: $c) { name } }', {
      p: PROJECT,
      c: { name, direction, aggregation: 'LAST' },
    });
  }
  const started = performance.now();
  const ids = new Map();
  for (let first = 1; first <= EXPERIMENTS; first += ALIASES_PER_REQUEST) {
    const numbers = Array.from({ length: Math.min(ALIASES_PER_REQUEST, EXPERIMENTS - first + 1) }, (_, i) => first + i);
    const inputs = Object.fromEntries(
      numbers.map((n) => [
        `i${n}`,
        { project: PROJECT, name: `run-${n}`, parentNumber: parentOf(n), status: 'COMPLETE', features: JSON.stringify({ lr: 0.001 * (1 + (n % 7)), width: 64 << n % 3 }) },
      ]),
    );
    const declarations = numbers.map((n) => `$i${n}: CreateExperimentInput!`).join(', ');
    const fields = numbers.map((n) => `e${n}: createExperiment(input: $i${n}) { id number }`).join('\n');
    const created = await gql(`mutation(${declarations}) { ${fields} }`, inputs);
    for (const n of numbers) ids.set(n, created[`e${n}`].id);
  }
  const createdIn = performance.now() - started;
  const chunksStarted = performance.now();
  await inParallel([...ids.entries()], CHUNKS_IN_FLIGHT, async ([n, id]) => {
    const quality = 0.5 + 0.4 * random();
    const points = [
      { metric: 'loss', step: 0, value: 1 - quality + 0.05 * random() },
      { metric: 'accuracy', step: 0, value: quality },
      { metric: 'lr', step: 0, value: 0.001 * (1 + (n % 7)) },
      { metric: 'grad_norm', step: 0, value: 10 * random() },
    ];
    const response = await fetch(`${url}/api/v1/experiments/${id}/metrics`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify({ chunkId: 'bench', points }),
    });
    if (response.status !== 201) throw new Error(`metrics of #${n}: ${response.status} ${await response.text()}`);
  });
  return { createdIn, chunksIn: performance.now() - chunksStarted };
}

// Installed before the app's scripts: records when the first table row and the complete
// table appear, and every long task.
const observeScript = () => {
  window.__bench = { firstRow: null, allRows: null, longTasks: [] };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__bench.longTasks.push({ start: entry.startTime, duration: entry.duration });
  }).observe({ type: 'longtask', buffered: true });
  new MutationObserver(() => {
    const bench = window.__bench;
    if (bench.firstRow === null && document.querySelector('[data-testid="metrics-row"]')) bench.firstRow = performance.now();
    const count = document.querySelector('[data-testid="row-count"]')?.textContent ?? '';
    if (bench.allRows === null && /^\d+ experiments$/.test(count)) bench.allRows = performance.now();
  }).observe(document, { childList: true, subtree: true, characterData: true });
};

async function measureLoad(page, url) {
  await page.goto(`${url}/p/${PROJECT}`);
  await page.waitForFunction(() => window.__bench.allRows !== null, null, { timeout: 300_000 });
  return page.evaluate(() => ({
    fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
    firstRow: window.__bench.firstRow,
    allRows: window.__bench.allRows,
    rowCount: document.querySelector('[data-testid="row-count"]')?.textContent,
  }));
}

/** Scrolls the table from top to bottom, `rowsPerFrame` rows each animation frame. */
async function measureScroll(page, rowsPerFrame) {
  return page.evaluate(
    async ({ rowsPerFrame, rowHeight }) => {
      const table = document.querySelector('[role="table"]');
      table.scrollTop = 0;
      await new Promise((r) => setTimeout(r, 300));
      window.__bench.longTasks = [];
      const frames = [];
      let maxRowsInDom = 0;
      let last = performance.now();
      const started = last;
      await new Promise((done) => {
        const step = (now) => {
          frames.push(now - last);
          last = now;
          maxRowsInDom = Math.max(maxRowsInDom, table.querySelectorAll('[data-testid="metrics-row"]').length);
          if (table.scrollTop + table.clientHeight >= table.scrollHeight - 1) return done();
          table.scrollTop += rowsPerFrame * rowHeight;
          requestAnimationFrame(step);
        };
        requestAnimationFrame(step);
      });
      const lastRow = [...table.querySelectorAll('[data-testid="metrics-row"]')].at(-1)?.getAttribute('aria-rowindex');
      frames.shift(); // the wait before the first frame
      const sorted = [...frames].sort((a, b) => a - b);
      const pick = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
      return {
        seconds: (performance.now() - started) / 1000,
        frames: frames.length,
        p50: pick(0.5),
        p95: pick(0.95),
        p99: pick(0.99),
        max: sorted.at(-1),
        over33ms: frames.filter((f) => f > 33.4).length,
        over50ms: frames.filter((f) => f > 50).length,
        longTasks: window.__bench.longTasks.length,
        longTaskMs: window.__bench.longTasks.reduce((sum, t) => sum + t.duration, 0),
        maxRowsInDom,
        lastRowIndex: Number(lastRow) - 1, // aria-rowindex counts the header row
      };
    },
    { rowsPerFrame, rowHeight: ROW_HEIGHT },
  );
}

const ms = (value) => (value == null ? 'n/a' : `${Math.round(value)} ms`);

async function main() {
  if (!existsSync(join(repo, 'web/dist/index.html'))) throw new Error('web/dist is missing: run `make web` first');
  if (!existsSync(rsdkBin)) throw new Error(`${rsdkBin} is missing`);
  console.log(`server ${rsdkBin}; ${EXPERIMENTS} experiments × ${METRICS.length} metrics`);
  const { url, email, password } = await startRsdk({ bin: rsdkBin, dir: tmp, webDir: join(repo, 'web/dist'), children });
  const token = await signIn(url, email, password);
  const seeded = await seedProject(url, token);
  console.log(
    `seeded: ${EXPERIMENTS} createExperiment in ${(seeded.createdIn / 1000).toFixed(1)} s, ` +
      `${EXPERIMENTS} metric chunks in ${(seeded.chunksIn / 1000).toFixed(1)} s`,
  );
  const gql = graphqlClient(url, token);
  for (const first of [100, 1000]) {
    const started = performance.now();
    await gql('query($p: String!, $f: Int!) { metricsTable(project: $p, first: $f) { total rows { number cells { value } } } }', { p: PROJECT, f: first });
    console.log(`metricsTable(first: ${first}) over GraphQL: ${ms(performance.now() - started)}`);
  }

  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  // Signed in as the UI would be after the login page (its persisted session).
  await context.addInitScript((session) => localStorage.setItem('rsdk-session', session), JSON.stringify({ state: { accessToken: token, email }, version: 0 }));
  await context.addInitScript(observeScript);
  const page = await context.newPage();
  const cold = await measureLoad(page, url);
  const warm = await measureLoad(page, url);
  console.log(`cold load: first contentful paint ${ms(cold.fcp)}, first rows ${ms(cold.firstRow)}, all rows ${ms(cold.allRows)} (${cold.rowCount})`);
  console.log(`warm load: first contentful paint ${ms(warm.fcp)}, first rows ${ms(warm.firstRow)}, all rows ${ms(warm.allRows)} (${warm.rowCount})`);
  for (const rowsPerFrame of [4, 16]) {
    const scroll = await measureScroll(page, rowsPerFrame);
    console.log(
      `scroll ${rowsPerFrame} rows/frame to row ${scroll.lastRowIndex}: ${scroll.frames} frames in ${scroll.seconds.toFixed(1)} s, ` +
        `frame p50 ${scroll.p50.toFixed(1)} ms, p95 ${scroll.p95.toFixed(1)} ms, p99 ${scroll.p99.toFixed(1)} ms, max ${scroll.max.toFixed(1)} ms; ` +
        `${scroll.over33ms} frames > 33 ms (${scroll.over50ms} > 50 ms); ${scroll.longTasks} long tasks (${Math.round(scroll.longTaskMs)} ms); ` +
        `at most ${scroll.maxRowsInDom} rows in the DOM`,
    );
  }
  await browser.close();
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => process.exit());
