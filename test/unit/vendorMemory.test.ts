// A vendor's memory across restarts: bound to vendor, origin and token; aged; bounded; never throws.
import * as assert from 'node:assert/strict';
import { MaxRemembered, MaxValueChars, NoMemory, VendorMemoryKey, tokenFingerprint, vendorMemory } from '../../src/core/vendorMemory';

function kv(initial?: unknown) {
  const data = new Map<string, unknown>(initial === undefined ? [] : [[VendorMemoryKey, initial]]);
  return {
    data,
    get: <T>(k: string) => data.get(k) as T | undefined,
    update: async (k: string, v: unknown) => void data.set(k, v),
  };
}

describe('vendorMemory', () => {
  it('reads back what was written for the same vendor, origin and token, within the age', async () => {
    let now = 1_000;
    const store = kv();
    const m = vendorMemory(store, 'hubspot', 'https://api.hubapi.com/', async () => 'pat-1', () => now);
    await m.write('pipelines', { results: [{ id: 'default' }] });
    assert.deepEqual(await m.read('pipelines', 60_000), { results: [{ id: 'default' }] });
    now += 60_000;
    assert.equal(await m.read('pipelines', 60_000), undefined, 'too old');
  });

  it('keeps accounts apart: another token, origin or vendor sees nothing; the token is not stored', async () => {
    const store = kv();
    const url = 'https://api.hubapi.com';
    await vendorMemory(store, 'hubspot', url, async () => 'pat-secret-1').write('owners', [{ id: '1' }]);
    assert.equal(await vendorMemory(store, 'hubspot', url, async () => 'pat-secret-2').read('owners', 1e9), undefined);
    assert.equal(await vendorMemory(store, 'hubspot', 'https://api.example.com', async () => 'pat-secret-1').read('owners', 1e9), undefined);
    assert.equal(await vendorMemory(store, 'pipedrive', url, async () => 'pat-secret-1').read('owners', 1e9), undefined);
    assert.deepEqual(await vendorMemory(store, 'hubspot', `${url}/crm`, async () => 'pat-secret-1').read('owners', 1e9), [{ id: '1' }]);
    const saved = JSON.stringify(store.data.get(VendorMemoryKey));
    assert.doesNotMatch(saved, /pat-secret/);
    assert.match(saved, new RegExp(tokenFingerprint('pat-secret-1')));
  });

  it('keeps nothing without a token, and nothing without a store', async () => {
    const store = kv();
    const m = vendorMemory(store, 'hubspot', 'https://api.hubapi.com', async () => undefined);
    await m.write('account', { portalId: 1 });
    assert.equal(store.data.size, 0);
    assert.equal(await m.read('account', 1e9), undefined);
    assert.equal(vendorMemory(undefined, 'hubspot', 'https://x', async () => 't'), NoMemory);
  });

  it(`remembers at most ${MaxRemembered} accounts, forgetting the least recently written`, async () => {
    let now = 0;
    const store = kv();
    const mem = (i: number) => vendorMemory(store, 'hubspot', 'https://api.hubapi.com', async () => `token-${i}`, () => now);
    for (let i = 0; i < MaxRemembered + 2; i++) {
      now += 1;
      await mem(i).write('account', { i });
    }
    assert.equal(Object.keys(store.data.get(VendorMemoryKey) as object).length, MaxRemembered);
    assert.equal(await mem(0).read('account', 1e9), undefined);
    assert.equal(await mem(1).read('account', 1e9), undefined);
    assert.deepEqual(await mem(MaxRemembered + 1).read('account', 1e9), { i: MaxRemembered + 1 });
  });

  it('skips a value too large or not JSON, and forgets on request', async () => {
    const store = kv();
    const m = vendorMemory(store, 'hubspot', 'https://api.hubapi.com', async () => 't');
    await m.write('owners', 'x'.repeat(MaxValueChars + 1));
    assert.equal(await m.read('owners', 1e9), undefined);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await m.write('owners', cyclic);
    assert.equal(await m.read('owners', 1e9), undefined);
    await m.write('pipelines', [1]);
    await m.forget('pipelines');
    assert.equal(await m.read('pipelines', 1e9), undefined);
  });

  it('ignores a damaged store (another version, hand-edited) instead of failing', async () => {
    for (const damaged of ['text', [1, 2], { 'hubspot|https://api.hubapi.com|x': 5 }, { a: { at: 'no', values: null } }]) {
      const store = kv(damaged);
      const m = vendorMemory(store, 'hubspot', 'https://api.hubapi.com', async () => 't');
      assert.equal(await m.read('account', 1e9), undefined);
      await m.write('account', { ok: true });
      assert.deepEqual(await m.read('account', 1e9), { ok: true });
    }
  });

  it('a token lookup that fails keeps nothing and throws nothing', async () => {
    const store = kv();
    const m = vendorMemory(store, 'hubspot', 'https://api.hubapi.com', async () => {
      throw new Error('SecretStorage unavailable');
    });
    await m.write('account', { a: 1 });
    assert.equal(await m.read('account', 1e9), undefined);
    assert.equal(store.data.size, 0);
  });
});
