// Shared helpers for the end-to-end tests: build (or find) the binary, start
// it over stdio or streamable HTTP against its in-process sandbox, connect the
// official MCP TypeScript SDK client, and record everything the client saw so
// the tests can prove no secret reached it.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';

// (fileURLToPath rather than import.meta.dirname: Debian's Node.js 18 lacks it.)
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

let builtBinary;

// binary is the path of the elastic-access-mcp binary under test: $EAM_BINARY
// when set (the Go test driver builds it once), otherwise built here.
export function binary() {
  if (process.env.EAM_BINARY) {
    assert.ok(existsSync(process.env.EAM_BINARY), `EAM_BINARY=${process.env.EAM_BINARY} does not exist`);
    return process.env.EAM_BINARY;
  }
  if (!builtBinary) {
    const dir = mkdtempSync(path.join(tmpdir(), 'eam-e2e-bin-'));
    builtBinary = path.join(dir, 'elastic-access-mcp');
    execFileSync('go', ['build', '-o', builtBinary, '-ldflags', '-X main.buildVersion=e2e', './cmd/elastic-access-mcp'],
      { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return builtBinary;
}

// cleanEnv is a minimal environment with no Elastic credentials, so that
// nothing from the developer's shell reaches the server under test.
export function cleanEnv(extra = {}) {
  const env = {};
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'LANG']) {
    if (process.env[k] !== undefined) env[k] = process.env[k];
  }
  return { ...env, ...extra };
}

export function tempDir(prefix) {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

// Recorder keeps every message the client received, as JSON text.
export class Recorder {
  constructor() {
    this.messages = [];
  }
  record(kind, value) {
    this.messages.push(`${kind}: ${JSON.stringify(value)}`);
  }
  text() {
    return this.messages.join('\n');
  }
}

function wrapTransport(transport, recorder) {
  // Every message the server sends passes through onmessage; wrap the
  // setter the Client uses so the raw wire messages are recorded before the
  // SDK parses them.
  let handler;
  Object.defineProperty(transport, 'onmessage', {
    configurable: true,
    get: () => handler,
    set: (fn) => {
      handler = fn ? (msg, extra) => {
        recorder.record('wire', msg);
        return fn(msg, extra);
      } : fn;
    },
  });
  return transport;
}

// newClient makes an SDK client; elicit, when given, answers
// elicitation/create requests and makes the client declare the capability.
function newClient({ elicit, recorder }) {
  const capabilities = elicit ? { elicitation: { form: {} } } : {};
  const client = new Client({ name: 'eam-e2e', version: '1.0.0' }, { capabilities });
  if (elicit) {
    client.setRequestHandler(ElicitRequestSchema, async (req) => {
      recorder.record('elicitation', req);
      return elicit(req);
    });
  }
  return client;
}

export const accept = () => ({ action: 'accept', content: { confirm: true } });
export const decline = () => ({ action: 'decline' });

// Session is a running binary with a connected client.
export class Session {
  constructor({ client, recorder, stderr, secretsDir, auditLog, baseURL, token, close }) {
    Object.assign(this, { client, recorder, secretsDir, auditLog, baseURL, token });
    this._stderr = stderr;
    this._close = close;
    this.elicitAnswer = accept;
  }
  stderr() {
    return this._stderr.join('');
  }
  audit() {
    return existsSync(this.auditLog) ? readFileSync(this.auditLog, 'utf8') : '';
  }
  async tools() {
    const res = await this.client.listTools();
    this.recorder.record('tools/list', res);
    return res.tools;
  }
  // requireTools fails, naming what is missing, if the server does not
  // offer every tool a test needs.
  async requireTools(...names) {
    const have = new Set((await this.tools()).map((t) => t.name));
    const missing = names.filter((n) => !have.has(n));
    assert.deepEqual(missing, [], `tools/list lacks ${missing.join(', ')}; offered: ${[...have].sort().join(', ')}`);
  }
  async call(name, args = {}) {
    const res = await this.client.callTool({ name, arguments: args });
    this.recorder.record(`tools/call ${name}`, res);
    return res;
  }
  // callOK calls a tool that must succeed and returns its structuredContent.
  async callOK(name, args = {}) {
    const res = await this.call(name, args);
    assert.ok(!res.isError, `${name} failed: ${textOf(res)}`);
    assert.ok(res.structuredContent && typeof res.structuredContent === 'object',
      `${name} returned no structuredContent: ${JSON.stringify(res)}`);
    return res.structuredContent;
  }
  async close() {
    await this._close();
  }
}

export function textOf(res) {
  return (res.content ?? []).filter((c) => c.type === 'text').map((c) => c.text).join('\n');
}

const commonArgs = (secretsDir, auditLog, flags) =>
  ['--sandbox', '--secrets-dir', secretsDir, '--audit-log', auditLog, '--log-level', 'debug', ...flags];

// startStdio launches `elastic-access-mcp stdio --sandbox …` as the SDK's
// stdio transport does for any MCP client.
export async function startStdio({ flags = [], elicit } = {}) {
  const work = tempDir('eam-e2e-stdio-');
  const secretsDir = path.join(work, 'secrets');
  const auditLog = path.join(work, 'audit.jsonl');
  const recorder = new Recorder();
  const transport = wrapTransport(new StdioClientTransport({
    command: binary(),
    args: ['stdio', ...commonArgs(secretsDir, auditLog, flags)],
    env: cleanEnv(),
    cwd: work,
    stderr: 'pipe',
  }), recorder);
  const stderr = [];
  transport.stderr.on('data', (d) => stderr.push(d.toString()));
  let session;
  const client = newClient({ elicit: elicit && ((req) => session.elicitAnswer(req)), recorder });
  await client.connect(transport);
  session = new Session({
    client, recorder, stderr, secretsDir, auditLog,
    close: async () => {
      await client.close();
      rmSync(work, { recursive: true, force: true });
    },
  });
  return session;
}

// startHTTPServer launches `elastic-access-mcp http --listen 127.0.0.1:0
// --sandbox …` with a bearer token and waits for the line that names its
// address.
export async function startHTTPServer({ flags = [], token = 'e2e-' + Math.random().toString(36).slice(2) + Date.now() } = {}) {
  const work = tempDir('eam-e2e-http-');
  const secretsDir = path.join(work, 'secrets');
  const auditLog = path.join(work, 'audit.jsonl');
  const proc = spawn(binary(), ['http', '--listen', '127.0.0.1:0', ...commonArgs(secretsDir, auditLog, flags)], {
    env: cleanEnv({ MCP_HTTP_TOKEN: token }),
    cwd: work,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr = [];
  const stdout = [];
  proc.stdout.on('data', (d) => stdout.push(d.toString()));
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const mcpURL = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the HTTP server did not announce its address in 20 s; stderr:\n${stderr.join('')}`)), 20000);
    let buf = '';
    proc.stderr.on('data', (d) => {
      const s = d.toString();
      stderr.push(s);
      buf += s;
      for (const line of buf.split('\n')) {
        if (!line.includes('serving MCP over HTTP')) continue;
        try {
          const rec = JSON.parse(line);
          clearTimeout(timer);
          resolve(rec.mcp);
          return;
        } catch {
          // a partial line; wait for the rest
        }
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the HTTP server exited (code ${code}, signal ${signal}) before serving; stderr:\n${stderr.join('')}`));
    });
  });
  const baseURL = mcpURL.replace(/\/mcp$/, '');
  return {
    mcpURL, baseURL, token, secretsDir, auditLog, proc, stderr, stdout,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      rmSync(work, { recursive: true, force: true });
    },
  };
}

// connectHTTP connects an SDK client to a running HTTP server, sending the
// bearer token on every request.
export async function connectHTTP(srv, { elicit, token = srv.token } = {}) {
  const recorder = new Recorder();
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  const transport = wrapTransport(new StreamableHTTPClientTransport(new URL(srv.mcpURL), { requestInit: { headers } }), recorder);
  let session;
  const client = newClient({ elicit: elicit && ((req) => session.elicitAnswer(req)), recorder });
  await client.connect(transport);
  session = new Session({
    client, recorder, stderr: srv.stderr, secretsDir: srv.secretsDir, auditLog: srv.auditLog,
    baseURL: srv.baseURL, token,
    close: async () => {
      await transport.terminateSession().catch(() => {});
      await client.close();
    },
  });
  return session;
}

// Shapes of secrets that must never appear anywhere the client or the logs
// can see, whatever their value.
export const secretShapes = [
  /essu_[A-Za-z0-9+/=_-]{20,}/,
];

// assertNoSecrets fails if any known secret value, or any secret-shaped
// string, appears in text. what names the text in the failure message.
export function assertNoSecrets(text, secrets, what) {
  for (const s of secrets) {
    assert.ok(s && s.length >= 8, `refusing to search for a short or empty secret ${JSON.stringify(s)}`);
    assert.ok(!text.includes(s), `a secret issued by the server (${s.slice(0, 4)}…) appears in ${what}`);
  }
  for (const re of secretShapes) {
    // assert.ok, not assert.equal: a failure must not print the secret.
    const m = text.match(re);
    assert.ok(m === null, `a secret-shaped string (${m?.[0]?.slice(0, 8)}…) appears in ${what}`);
  }
}

// secretFromDocument extracts the secret value(s) from a sink document
// (what a secret file or link holds): the "secret" field, which may itself be
// a JSON object of several withheld values.
export function secretsFromDocument(doc) {
  assert.equal(typeof doc.secret, 'string', `the secret document has no secret: ${JSON.stringify(Object.keys(doc))}`);
  const out = [doc.secret];
  try {
    const inner = JSON.parse(doc.secret);
    if (inner && typeof inner === 'object') {
      for (const v of Object.values(inner)) if (typeof v === 'string' && v.length >= 8) out.push(v);
    }
  } catch {
    // a plain value
  }
  return out;
}

// secretRefs finds every secret reference ({kind, location, instructions})
// in a structured result, wherever the tool put it.
export function secretRefs(value) {
  const out = [];
  const walk = (v) => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (v && typeof v === 'object') {
      if ((v.kind === 'file' || v.kind === 'link') && typeof v.location === 'string') out.push(v);
      Object.values(v).forEach(walk);
    }
  };
  walk(value);
  return out;
}
