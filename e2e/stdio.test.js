// The built binary over stdio, driven by the official MCP TypeScript SDK
// client, exactly as Claude Desktop, VS Code or Cursor launch it.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import {
  startStdio, textOf, assertNoSecrets, secretsFromDocument, secretRefs, accept, decline,
} from './lib/harness.js';

const expectedVersion = process.env.EAM_EXPECT_VERSION ?? (process.env.EAM_BINARY ? undefined : 'e2e');

// Everything a client, the server's stderr and its audit log saw, checked
// against the secrets the server handed out.
function assertNothingLeaked(session, secrets) {
  assertNoSecrets(session.recorder.text(), secrets, 'what the MCP client received');
  assertNoSecrets(session.stderr(), secrets, "the server's stderr");
  assertNoSecrets(session.audit(), secrets, 'the audit log');
}

describe('stdio, read-only (the default)', () => {
  test('initialize, tools/list, whoami and a paginated member listing', async () => {
    const s = await startStdio();
    try {
      const info = s.client.getServerVersion();
      assert.equal(info.name, 'elastic-access-mcp');
      if (expectedVersion) assert.equal(info.version, expectedVersion, 'serverInfo.version comes from main.buildVersion');
      assert.ok(s.client.getServerCapabilities()?.tools, 'the server declares the tools capability');
      assert.match(s.client.getInstructions() ?? '', /whoami/, 'instructions tell the model to start with whoami');

      const tools = await s.tools();
      assert.ok(tools.length > 0);
      await s.requireTools('whoami', 'list_org_members');
      for (const t of tools) {
        assert.equal(t.annotations?.readOnlyHint, true, `${t.name} is registered by default but is not read-only`);
        assert.equal(t.inputSchema.type, 'object', `${t.name} input schema`);
        assert.ok(t.outputSchema, `${t.name} declares no outputSchema`);
      }

      // The SDK validates structuredContent against the tool's outputSchema.
      const who = await s.callOK('whoami');
      assert.equal(who.safety_tier, 'read-only');
      assert.equal(who.cloud?.configured, true);
      assert.equal(who.cloud?.organization_name, 'Demo Organization');
      const res = await s.call('whoami');
      assert.deepEqual(JSON.parse(textOf(res)), res.structuredContent, 'the text content is the structured content as JSON');

      const page1 = await s.callOK('list_org_members', { limit: 2 });
      assert.equal(page1.members.length, 2);
      assert.ok(page1.total >= 4, `the demo organization has at least 4 members, got ${page1.total}`);
      assert.ok(page1.next_cursor, 'a first page of 2 has a next_cursor');
      const seen = new Set(page1.members.map((m) => m.user_id));
      let cursor = page1.next_cursor;
      for (let i = 0; cursor && i < 10; i++) {
        const page = await s.callOK('list_org_members', { limit: 2, cursor });
        for (const m of page.members) {
          assert.ok(!seen.has(m.user_id), `member ${m.user_id} appears on two pages`);
          seen.add(m.user_id);
        }
        cursor = page.next_cursor;
      }
      assert.equal(seen.size, page1.total, 'following next_cursor visits every member once');
      const owner = (await s.callOK('list_org_members', { email: 'owner@' })).members;
      assert.equal(owner.length, 1);
      assert.ok(owner[0].roles.some((r) => r.role === 'organization-admin'), JSON.stringify(owner[0].roles));

      // A write tool is not registered at all in read-only mode: calling it
      // is a protocol error (unknown tool), not a silent no-op.
      const bad = await s.client.callTool({ name: 'create_cloud_api_key', arguments: {} }).then(
        (r) => ({ result: r }), (e) => ({ error: e }));
      assert.ok(bad.error || bad.result?.isError, 'calling an unregistered write tool must fail');

      // Arguments are validated: an unknown key is an isError result the
      // model can read, naming the valid ones.
      const typo = await s.call('list_org_members', { emial: 'x' });
      assert.equal(typo.isError, true, 'an unknown argument must be rejected');
      assert.match(textOf(typo), /email/, 'the error names the valid arguments');

      assertNothingLeaked(s, []);
    } finally {
      await s.close();
    }
  });
});

describe('stdio, writes', () => {
  test('create_cloud_api_key: the key goes to a 0600 file, never to the client, stderr or audit', async () => {
    const s = await startStdio({ flags: ['--allow-writes'] });
    try {
      await s.requireTools('create_cloud_api_key', 'list_cloud_api_keys');
      const tools = await s.tools();
      assert.ok(tools.some((t) => t.annotations?.readOnlyHint === false), 'write tools are registered');
      assert.ok(!tools.some((t) => t.annotations?.destructiveHint === true), 'destructive tools need --allow-destructive');

      const args = {
        description: 'e2e-stdio-ci',
        expiration: '1d',
        roles: [{ scope: 'project', role: 'viewer', project_type: 'elasticsearch', all: true }],
      };
      const dry = await s.callOK('create_cloud_api_key', { ...args, dry_run: true });
      assert.equal(dry.dry_run, true);
      assert.ok(dry.would_send?.length >= 1, `a dry run lists the requests: ${JSON.stringify(dry)}`);

      const out = await s.callOK('create_cloud_api_key', args);
      assert.equal(out.reused, false);
      assert.ok(out.cloud_key?.id, `the result names the key id: ${JSON.stringify(out)}`);
      const refs = secretRefs(out);
      assert.equal(refs.length, 1, `one secret reference: ${JSON.stringify(out)}`);
      assert.equal(refs[0].kind, 'file', JSON.stringify(refs[0]));
      const file = refs[0].location;
      assert.ok(refs[0].instructions.includes(file), 'the instructions tell the person where to look');
      assert.equal(path.dirname(file), s.secretsDir, 'the secret file is in --secrets-dir');
      assert.equal(statSync(file).mode & 0o777, 0o600, 'secret file mode');
      assert.equal(statSync(s.secretsDir).mode & 0o777, 0o700, 'secrets dir mode');
      const doc = JSON.parse(readFileSync(file, 'utf8'));
      const secrets = secretsFromDocument(doc);
      assert.match(secrets[0], /^essu_/, 'the file holds the Cloud API key');

      const keys = await s.callOK('list_cloud_api_keys');
      assert.ok(keys.keys.some((k) => k.id === out.cloud_key.id), 'the new key is listed');

      // The same purpose again: the existing key is offered for reuse, and
      // no new secret is written.
      const again = await s.callOK('create_cloud_api_key', args);
      assert.equal(again.reused, true);
      assert.equal(again.cloud_key.id, out.cloud_key.id);
      assert.equal(secretRefs(again).length, 0, 'a reused key has no new secret');

      assertNothingLeaked(s, secrets);
    } finally {
      await s.close();
    }
  });
});

describe('stdio, destructive with elicitation', () => {
  test('remove_org_members: decline changes nothing, accept removes', async () => {
    const s = await startStdio({ flags: ['--allow-destructive'], elicit: true });
    const prompts = [];
    try {
      await s.requireTools('remove_org_members', 'list_org_members');
      const t = (await s.tools()).find((x) => x.name === 'remove_org_members');
      assert.equal(t.annotations?.destructiveHint, true);

      const before = (await s.callOK('list_org_members', { email: 'carol@' })).members;
      assert.equal(before.length, 1, 'carol is a member of the demo organization');

      s.elicitAnswer = (req) => { prompts.push(req.params); return decline(); };
      const declined = await s.call('remove_org_members', { members: ['carol@example.com'] });
      assert.equal(declined.isError, true, `a declined removal is an error result: ${textOf(declined)}`);
      assert.match(textOf(declined), /declined/i);
      assert.equal(prompts.length, 1, 'the person was asked once');
      assert.match(prompts[0].message, /carol@example\.com/, 'the prompt names the target');
      assert.equal((await s.callOK('list_org_members', { email: 'carol@' })).members.length, 1, 'carol is still a member');

      s.elicitAnswer = (req) => { prompts.push(req.params); return accept(); };
      const out = await s.callOK('remove_org_members', { members: ['carol@example.com'] });
      assert.equal(prompts.length, 2);
      assert.equal(out.removed?.length, 1, JSON.stringify(out));
      assert.equal(out.removed[0].email, 'carol@example.com');
      assert.equal((await s.callOK('list_org_members', { email: 'carol@' })).members.length, 0, 'carol was removed');

      assertNothingLeaked(s, []);
    } finally {
      await s.close();
    }
  });

  test('a client that cannot elicit is refused, and nothing changes', async () => {
    const s = await startStdio({ flags: ['--allow-destructive'] });
    try {
      await s.requireTools('remove_org_members');
      const res = await s.call('remove_org_members', { members: ['bob@example.com'] });
      assert.equal(res.isError, true, 'refused without a way to ask the person');
      assert.match(textOf(res), /confirm|approv/i);
      assert.equal((await s.callOK('list_org_members', { email: 'bob@' })).members.length, 1, 'bob is still a member');
    } finally {
      await s.close();
    }
  });
});

describe('stdio, Elasticsearch roles and users', () => {
  test('put_role, get_roles, create_user with the password out of band, delete_roles with elicitation', async () => {
    const s = await startStdio({ flags: ['--allow-destructive'], elicit: true });
    const prompts = [];
    s.elicitAnswer = (req) => { prompts.push(req.params.message); return accept(); };
    try {
      await s.requireTools('get_roles', 'put_role', 'create_user', 'delete_roles');

      const put = await s.callOK('put_role', {
        name: 'e2e-logs-reader',
        description: 'E2E Logs Reader',
        indices: [{ names: ['logs-*'], privileges: ['read', 'view_index_metadata'] }],
      });
      assert.equal(put.created, true, JSON.stringify(put));
      const got = await s.callOK('get_roles', { names: ['e2e-logs-reader'] });
      assert.equal(got.roles.length, 1, JSON.stringify(got));
      assert.equal(got.roles[0].name, 'e2e-logs-reader');
      assert.deepEqual(got.roles[0].indices?.[0]?.names, ['logs-*']);

      const user = await s.callOK('create_user', { username: 'e2e-alice', roles: ['e2e-logs-reader'] });
      const refs = secretRefs(user);
      assert.equal(refs.length, 1, `one secret reference: ${JSON.stringify(user)}`);
      assert.equal(refs[0].kind, 'file');
      assert.equal(statSync(refs[0].location).mode & 0o777, 0o600);
      const secrets = secretsFromDocument(JSON.parse(readFileSync(refs[0].location, 'utf8')));
      const password = secrets[0];
      assert.ok(password.length >= 20, 'a generated password has at least 20 characters');

      // The password in the file is the user's real password: the sandbox's
      // Elasticsearch accepts it.
      const esURL = sandboxURL(s.stderr(), 'elasticsearch');
      const auth = await fetch(`${esURL}/_security/_authenticate`, {
        headers: { Authorization: 'Basic ' + Buffer.from(`e2e-alice:${password}`).toString('base64') },
      });
      assert.equal(auth.status, 200, 'the generated password authenticates');
      assert.equal((await auth.json()).username, 'e2e-alice');

      const before = prompts.length;
      s.elicitAnswer = (req) => { prompts.push(req.params.message); return decline(); };
      const declined = await s.call('delete_roles', { names: ['e2e-logs-reader'] });
      assert.equal(declined.isError, true, textOf(declined));
      assert.equal(prompts.length, before + 1, 'delete_roles asked the person');
      assert.match(prompts.at(-1), /e2e-logs-reader/);
      assert.equal((await s.callOK('get_roles', { names: ['e2e-logs-reader'] })).roles.length, 1, 'the role survived a declined deletion');

      s.elicitAnswer = (req) => { prompts.push(req.params.message); return accept(); };
      const deleted = await s.callOK('delete_roles', { names: ['e2e-logs-reader'] });
      assert.deepEqual(deleted.deleted, ['e2e-logs-reader']);
      const after = await s.call('get_roles', { names: ['e2e-logs-reader'] });
      assert.ok(after.isError || after.structuredContent.roles.length === 0, `the role is gone: ${textOf(after)}`);

      assertNothingLeaked(s, secrets);
    } finally {
      await s.close();
    }
  });
});

// sandboxURL reads an emulator's address from the server's start-up log.
function sandboxURL(stderr, which) {
  for (const line of stderr.split('\n')) {
    if (!line.includes('sandbox mode')) continue;
    const url = JSON.parse(line)[which];
    if (url) return url;
  }
  assert.fail(`no ${which} address in the sandbox start-up line:\n${stderr}`);
}
