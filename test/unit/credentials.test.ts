import * as assert from 'node:assert/strict';
import { originOf, secretKey, tokenFor } from '../../src/core/credentials';
import { credentialUrlProblem } from '../../src/core/settings';

/** A SecretStorage stand-in that records which keys were read. */
function secrets(stored: Record<string, string>) {
  const reads: string[] = [];
  return { reads, secret: async (key: string) => (reads.push(key), stored[key]) };
}

describe('credentials bound to their origin', () => {
  it('keys a stored token by provider and origin', async () => {
    const s = secrets({ [secretKey('jira', 'https://acme.atlassian.net')]: 'tok' });
    assert.equal(await tokenFor('jira', 'https://acme.atlassian.net/rest/api/3/issue/X', s), 'tok');
    assert.equal(await tokenFor('jira', 'https://evil.example', s), undefined);
    assert.equal(await tokenFor('jira', 'https://acme.atlassian.net:8443', s), undefined, 'another port is another origin');
    assert.equal(await tokenFor('jira', 'http://acme.atlassian.net', s), undefined, 'another scheme is another origin');
    assert.deepEqual(s.reads, ['token:jira:https://acme.atlassian.net', 'token:jira:https://evil.example', 'token:jira:https://acme.atlassian.net:8443', 'token:jira:http://acme.atlassian.net']);
  });

  it('uses an environment token only for the origin its _URL variable names', async () => {
    const s = secrets({});
    const env = { envToken: 'env-tok', envUrl: 'https://acme.atlassian.net', secret: s.secret };
    assert.equal(await tokenFor('jira', 'https://acme.atlassian.net/x', env), 'env-tok');
    assert.equal(await tokenFor('jira', 'https://evil.example/x', env), undefined);
  });

  it('falls back to the user-level URL setting when the _URL variable is unset, and to nothing without either', async () => {
    const s = secrets({});
    assert.equal(await tokenFor('github', 'https://api.github.com', { envToken: 't', userLevelUrl: 'https://api.github.com', secret: s.secret }), 't');
    assert.equal(await tokenFor('github', 'https://ghe.example/api/v3', { envToken: 't', userLevelUrl: 'https://api.github.com', secret: s.secret }), undefined);
    assert.equal(await tokenFor('github', 'https://api.github.com', { envToken: 't', secret: s.secret }), undefined);
  });

  it('never answers for something that is not a URL', async () => {
    assert.equal(await tokenFor('jira', 'not a url', { envToken: 't', envUrl: 'not a url', secret: async () => 'x' }), undefined);
    assert.equal(originOf('data:text/plain,x'), undefined);
  });

  it('accepts https and loopback http only, without user info', () => {
    assert.equal(credentialUrlProblem('customerContext.jira.baseUrl', 'https://acme.atlassian.net'), undefined);
    assert.equal(credentialUrlProblem('customerContext.jira.baseUrl', 'http://127.0.0.1:8080'), undefined);
    assert.equal(credentialUrlProblem('customerContext.jira.baseUrl', 'http://[::1]:8080'), undefined);
    assert.match(credentialUrlProblem('customerContext.jira.baseUrl', 'http://jira.internal')!, /must use https:\/\//);
    assert.match(credentialUrlProblem('customerContext.jira.baseUrl', 'https://user:pw@acme.atlassian.net')!, /must not contain a user name/);
    assert.match(credentialUrlProblem('customerContext.jira.baseUrl', '')!, /^customerContext\.jira\.baseUrl is not set\./);
    assert.match(credentialUrlProblem('customerContext.jira.baseUrl', 'acme')!, /is not a valid URL/);
  });
});
