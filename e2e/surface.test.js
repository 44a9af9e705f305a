// The protocol surface beyond tools, through the official TypeScript SDK:
// prompts, resources and templates, completions, log notifications at the
// level the client sets, progress notifications, and no secret in any of
// them.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import {
  startStdio, startHTTPServer, connectHTTP, assertNoSecrets, secretsFromDocument, secretRefs, textOf,
} from './lib/harness.js';

// complete asks for the values of one argument.
async function complete(s, ref, name, value, context) {
  const res = await s.client.complete({ ref, argument: { name, value }, ...(context ? { context: { arguments: context } } : {}) });
  s.recorder.record('completion/complete', res);
  return res.completion.values;
}

describe('stdio, prompts, resources and completions', () => {
  test('every prompt is listed and fetched with arguments completed from the sandbox', async () => {
    const s = await startStdio({ flags: ['--allow-destructive'] });
    try {
      assert.ok(s.client.getServerCapabilities()?.prompts, 'the server declares prompts');
      assert.ok(s.client.getServerCapabilities()?.completions, 'the server declares completions');
      const { prompts } = await s.client.listPrompts();
      assert.ok(prompts.length >= 8, `prompts: ${prompts.map((p) => p.name)}`);
      for (const p of prompts) {
        const args = {};
        for (const a of p.arguments ?? []) {
          if (!a.required) continue;
          const values = await complete(s, { type: 'ref/prompt', name: p.name }, a.name, '', args);
          args[a.name] = values[0] ?? 'logs-reader';
        }
        const got = await s.client.getPrompt({ name: p.name, arguments: args });
        s.recorder.record(`prompts/get ${p.name}`, got);
        const text = got.messages.map((m) => m.content?.text ?? '').join('\n');
        assert.ok(text.length > 100, `prompt ${p.name} with ${JSON.stringify(args)} has no steps: ${text}`);
        for (const v of Object.values(args)) assert.ok(text.includes(v), `prompt ${p.name} does not use its argument ${v}`);
      }
      // A missing required argument is a protocol error, not a half-filled text.
      const offboard = prompts.find((p) => p.name === 'offboard_person');
      assert.ok(offboard, 'offboard_person is offered with destructive tools');
      await assert.rejects(s.client.getPrompt({ name: 'offboard_person', arguments: {} }));

      const identities = await complete(s, { type: 'ref/prompt', name: 'offboard_person' }, 'identity', 'ali');
      assert.ok(identities.includes('alice@example.com') && identities.includes('alice'), `identity completions: ${identities}`);
    } finally {
      await s.close();
    }
  });

  test('every resource and template is read', async () => {
    const s = await startStdio();
    try {
      const { resources } = await s.client.listResources();
      const uris = resources.map((r) => r.uri);
      for (const want of ['elastic://privileges', 'elastic://cloud/roles', 'elastic://projects', 'elastic://kibana/spaces']) {
        assert.ok(uris.includes(want), `resources/list lacks ${want}: ${uris}`);
      }
      for (const uri of uris) {
        const res = await s.client.readResource({ uri });
        s.recorder.record(`resources/read ${uri}`, res);
        assert.equal(res.contents[0].mimeType, 'application/json', uri);
        JSON.parse(res.contents[0].text);
      }
      const spaces = JSON.parse((await s.client.readResource({ uri: 'elastic://kibana/spaces' })).contents[0].text);
      assert.ok(JSON.stringify(spaces).includes('marketing'), `the sandbox's Kibana spaces: ${JSON.stringify(spaces)}`);

      const { resourceTemplates } = await s.client.listResourceTemplates();
      assert.ok(resourceTemplates.length >= 3);
      for (const t of resourceTemplates) {
        const param = t.uriTemplate.match(/\{(\w+)\}/)[1];
        const values = await complete(s, { type: 'ref/resource', uri: t.uriTemplate }, param, '');
        assert.ok(values.length > 0, `no completions for ${t.uriTemplate}`);
        const uri = t.uriTemplate.replace(`{${param}}`, encodeURIComponent(values[0]));
        const res = await s.client.readResource({ uri });
        s.recorder.record(`resources/read ${uri}`, res);
        JSON.parse(res.contents[0].text);
      }
      assertNoSecrets(s.recorder.text(), [], 'what the client received');
    } finally {
      await s.close();
    }
  });
});

describe('stdio, notifications', () => {
  test('log notifications arrive at the set level and carry no secret; progress follows the token', async () => {
    const s = await startStdio({ flags: ['--allow-writes'] });
    const logs = [];
    s.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      s.recorder.record('log', n);
      logs.push(n.params);
    });
    try {
      // A secret exists for this session: a new Cloud API key.
      const created = await s.callOK('create_cloud_api_key', {
        description: 'e2e-surface', expiration: '1d',
        roles: [{ scope: 'project', role: 'viewer', project_type: 'elasticsearch', all: true }],
      });
      const secrets = secretsFromDocument(JSON.parse(readFileSync(secretRefs(created)[0].location, 'utf8')));

      await s.client.setLoggingLevel('warning');
      await s.callOK('whoami');
      const failed = await s.call('list_org_members', { emial: 'x' });
      assert.equal(failed.isError, true, textOf(failed));
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(logs.map((l) => l.level), ['warning'], `at level warning: ${JSON.stringify(logs)}`);
      assert.match(String(logs[0].data), /list_org_members failed/);

      await s.client.setLoggingLevel('debug');
      await s.callOK('list_cloud_api_keys');
      await new Promise((r) => setTimeout(r, 200));
      assert.ok(logs.some((l) => l.level === 'debug' && /list_cloud_api_keys done/.test(String(l.data))), JSON.stringify(logs));

      const progress = [];
      const review = await s.client.callTool({ name: 'access_review', arguments: {} }, undefined, { onprogress: (p) => progress.push(p) });
      assert.ok(!review.isError, textOf(review));
      assert.ok(progress.length >= 2, `access_review reported progress ${JSON.stringify(progress)}`);
      assert.equal(progress.at(-1).progress, progress.at(-1).total, 'the last progress is the total');

      assertNoSecrets(s.recorder.text(), secrets, 'what the client received');
      assertNoSecrets(s.stderr(), secrets, "the server's stderr");
    } finally {
      await s.close();
    }
  });
});

describe('streamable HTTP, notifications', () => {
  test('progress and log notifications reach an HTTP client', async () => {
    const srv = await startHTTPServer();
    const s = await connectHTTP(srv);
    const logs = [];
    s.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => logs.push(n.params));
    try {
      const progress = [];
      const review = await s.client.callTool({ name: 'access_review', arguments: {} }, undefined, { onprogress: (p) => progress.push(p) });
      assert.ok(!review.isError, textOf(review));
      assert.ok(progress.length >= 2, `access_review reported progress ${JSON.stringify(progress)}`);
      assert.equal(progress.at(-1).progress, progress.at(-1).total, 'the last progress is the total');

      await s.client.setLoggingLevel('warning');
      const failed = await s.call('list_org_members', { emial: 'x' });
      assert.equal(failed.isError, true);
      await new Promise((r) => setTimeout(r, 200));
      assert.ok(logs.some((l) => l.level === 'warning' && /list_org_members failed/.test(String(l.data))), JSON.stringify(logs));
    } finally {
      await s.close();
      await srv.stop();
    }
  });
});
