// The built binary serving streamable HTTP on loopback with a bearer token,
// driven by the official MCP TypeScript SDK client.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';

import {
  startHTTPServer, connectHTTP, textOf, assertNoSecrets, secretsFromDocument, secretRefs, accept, decline,
} from './lib/harness.js';

const expectedVersion = process.env.EAM_EXPECT_VERSION ?? (process.env.EAM_BINARY ? undefined : 'e2e');

describe('streamable HTTP with a bearer token', () => {
  let srv;
  // Everything any client of this server received, and every secret the
  // server handed out, for the final leak check.
  const sessions = [];
  const issued = [];
  const fetched = [];

  before(async () => {
    srv = await startHTTPServer({ flags: ['--allow-destructive'] });
  });
  after(async () => {
    for (const s of sessions) await s.close().catch(() => {});
    await srv?.stop();
  });

  async function connect(opts) {
    const s = await connectHTTP(srv, opts);
    sessions.push(s);
    return s;
  }

  test('the address is loopback, /healthz answers, and /mcp needs the token', async () => {
    assert.match(srv.mcpURL, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const health = await fetch(`${srv.baseURL}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok', state_store: { kind: 'memory', status: 'ok' } });

    const init = {
      jsonrpc: '2.0', id: 1, method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
    };
    const headers = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };
    const none = await fetch(srv.mcpURL, { method: 'POST', headers, body: JSON.stringify(init) });
    assert.equal(none.status, 401, 'no token');
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
    const wrong = await fetch(srv.mcpURL, { method: 'POST', headers: { ...headers, Authorization: 'Bearer nope' }, body: JSON.stringify(init) });
    assert.equal(wrong.status, 401, 'wrong token');
    const inQuery = await fetch(`${srv.mcpURL}?access_token=${srv.token}`, { method: 'POST', headers, body: JSON.stringify(init) });
    assert.equal(inQuery.status, 400, 'a token in the query string is refused');

    // The SDK client without the token cannot connect either.
    await assert.rejects(connectHTTP(srv, { token: '' }), 'the SDK client must fail to initialize without the token');
  });

  test('initialize, tools/list, whoami and list_org_members', async () => {
    const s = await connect();
    const info = s.client.getServerVersion();
    assert.equal(info.name, 'elastic-access-mcp');
    if (expectedVersion) assert.equal(info.version, expectedVersion);
    const tools = await s.tools();
    await s.requireTools('whoami', 'list_org_members', 'get_roles', 'create_cloud_api_key', 'create_user', 'remove_org_members');
    for (const t of tools) {
      const a = t.annotations ?? {};
      for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint']) {
        assert.equal(typeof a[hint], 'boolean', `${t.name} does not state ${hint}`);
      }
    }
    const who = await s.callOK('whoami');
    assert.equal(who.safety_tier, 'read-write-destructive');
    const roles = await s.callOK('get_roles', {});
    assert.ok(Array.isArray(roles.roles) && roles.roles.length > 0, 'the demo cluster has roles');
    const members = await s.callOK('list_org_members', { limit: 500 });
    assert.equal(members.members.length, members.total);
    assert.ok(members.members.some((m) => m.email === 'alice@example.com'));
  });

  test('create_cloud_api_key: the key is behind a one-time link that needs the token or the code', async () => {
    const s = await connect();
    await s.requireTools('create_cloud_api_key');
    const out = await s.callOK('create_cloud_api_key', {
      description: 'e2e-http-ci',
      expiration: '2d',
      roles: [{ scope: 'project', role: 'viewer', project_type: 'elasticsearch', all: true }],
    });
    const refs = secretRefs(out);
    assert.equal(refs.length, 1, `one secret reference: ${JSON.stringify(out)}`);
    assert.equal(refs[0].kind, 'link', JSON.stringify(refs[0]));
    const link = refs[0].location;
    assert.ok(link.startsWith(`${srv.baseURL}/secrets/`), `link ${link} is on this server`);

    const anon = await fetch(link);
    assert.equal(anon.status, 200, 'the bare link shows a page');
    assert.ok(!(await anon.text()).includes('essu_'), 'the bare link does not show the key: it needs the token or the code');
    const auth = { headers: { Authorization: `Bearer ${srv.token}` } };
    const first = await fetch(link, auth);
    assert.equal(first.status, 200, 'first fetch');
    assert.equal(first.headers.get('cache-control'), 'no-store');
    const doc = await first.json();
    const secrets = secretsFromDocument(doc);
    assert.match(secrets[0], /^essu_/);
    issued.push(...secrets);
    fetched.push(JSON.stringify(doc));
    const second = await fetch(link, auth);
    assert.equal(second.status, 404, 'the link works once');

    const keys = await s.callOK('list_cloud_api_keys');
    assert.ok(keys.keys.some((k) => k.id === out.cloud_key.id));
  });

  test('create_user: the generated password is behind a one-time link', async () => {
    const s = await connect();
    await s.requireTools('create_user');
    const out = await s.callOK('create_user', { username: 'e2e-http-bob', roles: ['viewer'] });
    const refs = secretRefs(out);
    assert.equal(refs.length, 1, JSON.stringify(out));
    assert.equal(refs[0].kind, 'link');
    const auth = { headers: { Authorization: `Bearer ${srv.token}` } };
    const first = await fetch(refs[0].location, auth);
    assert.equal(first.status, 200);
    const secrets = secretsFromDocument(await first.json());
    assert.ok(secrets[0].length >= 20);
    issued.push(...secrets);
    assert.equal((await fetch(refs[0].location, auth)).status, 404, 'the link works once');
  });

  test('remove_org_members over HTTP: elicitation decline, then accept', async () => {
    const s = await connect({ elicit: true });
    await s.requireTools('remove_org_members');
    const asked = [];
    s.elicitAnswer = (req) => { asked.push(req.params.message); return decline(); };
    const declined = await s.call('remove_org_members', { members: ['bob@example.com'] });
    assert.equal(declined.isError, true);
    assert.match(textOf(declined), /declined/i);
    assert.equal((await s.callOK('list_org_members', { email: 'bob@' })).members.length, 1);

    s.elicitAnswer = (req) => { asked.push(req.params.message); return accept(); };
    const out = await s.callOK('remove_org_members', { members: ['bob@example.com'] });
    assert.deepEqual(out.removed.map((m) => m.email), ['bob@example.com']);
    assert.equal((await s.callOK('list_org_members', { email: 'bob@' })).members.length, 0);
    assert.equal(asked.length, 2);
    assert.ok(asked.every((m) => m.includes('bob@example.com')), asked.join(' | '));
  });

  test('sessions are independent: concurrent clients all get answers', async () => {
    const clients = await Promise.all([1, 2, 3, 4].map(() => connect()));
    const results = await Promise.all(clients.map((c) => c.callOK('whoami')));
    for (const r of results) assert.equal(r.cloud?.organization_name, 'Demo Organization');
  });

  test('no secret reached any client, the server log or the audit log', async () => {
    assert.ok(issued.length > 0, 'the write test issued a secret to look for');
    for (const s of sessions) assertNoSecrets(s.recorder.text(), issued, 'what an MCP client received');
    assertNoSecrets(srv.stderr.join(''), issued, "the server's stderr");
    assertNoSecrets(srv.stdout.join(''), issued, "the server's stdout");
    const { readFileSync, existsSync } = await import('node:fs');
    const audit = existsSync(srv.auditLog) ? readFileSync(srv.auditLog, 'utf8') : '';
    assert.match(audit, /"tool":"create_cloud_api_key"/, 'the audit log recorded the write');
    assertNoSecrets(audit, issued, 'the audit log');
  });
});
