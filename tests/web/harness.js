// Runs a real `waba-journal serve` on a loopback port chosen by the kernel, seeds it with
// `waba-journal simulate`, and drives Debian's chromium with playwright-core.
import { spawn, execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
export const ROOT = root;  // the repository

export const BINARY = process.env.WJ_BINARY || path.join(root, 'build-test/waba-journal');
export const FAKE_GRAPH = process.env.WJ_FAKE_GRAPH || path.join(path.dirname(BINARY), 'wj-fake-graph');
export const CHROMIUM = process.env.WJ_CHROMIUM || '/usr/bin/chromium';
export const OUTPUT = process.env.WJ_TEST_OUTPUT || path.join(root, 'build-test/test-output');
export const SECRET = 'browser-test-secret';

export function tempDir(prefix) {
  return mkdtempSync(path.join(process.env.TMPDIR || tmpdir(), prefix));
}

// Starts `binary` and resolves with the first match of `ready` (group 1) on its stdout:
// a bounded wait for the line it prints once listening, no sleep.
export async function startProcess(binary, args, ready) {
  if (!existsSync(binary)) throw new Error(`no program at ${binary}`);
  const proc = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  let exitHandler;
  const match = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${path.basename(binary)} was not ready within 20 s; stderr:\n${stderr}`));
    }, 20000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(ready);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    exitHandler = (code) => {
      clearTimeout(timer);
      reject(new Error(`${path.basename(binary)} exited ${code}; stderr:\n${stderr}`));
    };
    proc.on('exit', exitHandler);
  });
  proc.off('exit', exitHandler);
  return {
    match, proc,
    stderr: () => stderr,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((resolve) => proc.once('exit', resolve));
        proc.kill('SIGTERM');
        await exited;
      }
    },
  };
}

// Starts serve on a port the kernel picks, journaling into a fresh directory.
export async function startServer({ extraArgs = [], dir = tempDir('wj-web-') } = {}) {
  if (!existsSync(BINARY)) throw new Error(`no waba-journal binary at ${BINARY} (set WJ_BINARY)`);
  const db = path.join(dir, 'journal.db');
  const p = await startProcess(BINARY, ['serve', '--listen', '127.0.0.1:0', '--db', db, '--app-secret', SECRET,
    '--verify-token', 'browser-test-token', ...extraArgs], /^listening on (http:\/\/\S+)$/m);
  return {
    url: p.match, db, dir, proc: p.proc, stderr: p.stderr,
    async stop() {
      await p.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// wj-fake-graph: a fake of the Graph API's subscribed_apps, for the reconciler.
export async function startFakeGraph(args) {
  const p = await startProcess(FAKE_GRAPH, ['--listen', '127.0.0.1:0', ...args], /^fake graph api on (http:\/\/\S+)$/m);
  return { url: p.match, stop: p.stop };
}

export function createToken(server, scope, name = scope, wabas = []) {
  const args = ['token', 'create', '--db', server.db, '--scope', scope, '--name', name];
  for (const w of wabas) args.push('--waba', w);
  return execFileSync(BINARY, args, { encoding: 'utf8' }).trim();
}

export function simulate(server) {
  return execFileSync(BINARY, ['simulate', '--url', `${server.url}/webhook`, '--app-secret', SECRET], { encoding: 'utf8' });
}

// POSTs `body` to /webhook signed as Meta signs it; resolves to the status code.
export async function postSigned(server, body) {
  const signature = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
  const r = await fetch(`${server.url}/webhook`, {
    method: 'POST', body, headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': signature },
  });
  return r.status;
}

export async function launchBrowser({ viewport = { width: 1280, height: 900 } } = {}) {
  const userData = tempDir('wj-chromium-');
  const context = await chromium.launchPersistentContext(userData, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-dev-shm-usage', '--no-first-run'],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(userData, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page, name, { fullPage = true } = {}) {
  const dir = path.join(OUTPUT, 'screenshots');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  console.log(`screenshot: ${file}`);
  return file;
}

// Signs in through the form, as a person would.
export async function signIn(page, server, token) {
  await page.goto(`${server.url}/`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}
