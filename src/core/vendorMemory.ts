// What a vendor remembers about an account across restarts: lookups that change rarely and cost a
// request each (a CRM's pipelines, owners and account details). Each memory is bound to the vendor,
// the API origin and a fingerprint of the token, so another account on the same origin (a cloud CRM
// answers every customer on one API host) never sees it, and a new token starts afresh.
import { createHash } from 'node:crypto';
import type { KeyValueStore } from './store';

/** The store key (globalState: shared by windows, kept across restarts). */
export const VendorMemoryKey = 'customerContext.vendorMemory';
/** Accounts remembered; the least recently written is forgotten first. */
export const MaxRemembered = 8;
/** Largest value remembered, in characters of JSON: a memory is a cache, not a copy of the CRM. */
export const MaxValueChars = 512 * 1024;

/** One account's lookups for one vendor; reads and writes never throw. */
export interface VendorMemory {
  /** The value written under `name` less than `maxAgeMs` ago, if any. */
  read<T>(name: string, maxAgeMs: number): Promise<T | undefined>;
  /** Remembers `value` (JSON) under `name`; a value too large or a failed write is skipped. */
  write(name: string, value: unknown): Promise<void>;
  /** Forgets `name` (a remembered value proved stale). */
  forget(name: string): Promise<void>;
}

interface Entry {
  at: number;
  value: unknown;
}
type Account = { at: number; values: Record<string, Entry> };
type Memory = Record<string, Account>;

/** A memory that keeps nothing (no store, no token). */
export const NoMemory: VendorMemory = {
  read: async () => undefined,
  write: async () => undefined,
  forget: async () => undefined,
};

function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/** 16 hex digits of SHA-256: tells tokens apart without keeping anything a token could be rebuilt from. */
export function tokenFingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 16);
}

function load(store: KeyValueStore): Memory {
  const raw = store.get<unknown>(VendorMemoryKey);
  return raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Memory) : {};
}

function isEntry(e: unknown): e is Entry {
  return !!e && typeof e === 'object' && typeof (e as Entry).at === 'number' && 'value' in (e as Entry);
}

/**
 * The memory of `vendor` for the account behind `url` and the token `token()` returns. Without a
 * token nothing is read or kept.
 */
export function vendorMemory(
  store: KeyValueStore | undefined,
  vendor: string,
  url: string,
  token: () => Promise<string | undefined>,
  now: () => number = Date.now,
): VendorMemory {
  if (!store) return NoMemory;
  const scope = async (): Promise<string | undefined> => {
    const t = await token().catch(() => undefined);
    return t ? `${vendor}|${origin(url)}|${tokenFingerprint(t)}` : undefined;
  };
  const change = async (edit: (memory: Memory, key: string) => void): Promise<void> => {
    const key = await scope();
    if (!key) return;
    const memory = { ...load(store) };
    edit(memory, key);
    const keep = Object.entries(memory)
      .filter(([, a]) => a && typeof a === 'object' && typeof a.at === 'number')
      .sort((a, b) => b[1].at - a[1].at)
      .slice(0, MaxRemembered);
    await Promise.resolve(store.update(VendorMemoryKey, Object.fromEntries(keep))).catch(() => undefined);
  };
  return {
    async read<T>(name: string, maxAgeMs: number): Promise<T | undefined> {
      const key = await scope();
      if (!key) return undefined;
      const e = load(store)[key]?.values?.[name];
      if (!isEntry(e)) return undefined;
      const age = now() - e.at;
      return age >= 0 && age < maxAgeMs ? (e.value as T) : undefined;
    },
    async write(name, value) {
      let json: string | undefined;
      try {
        json = JSON.stringify(value);
      } catch {
        return;
      }
      if (json === undefined || json.length > MaxValueChars) return;
      const at = now();
      await change((memory, key) => {
        const values = { ...(memory[key]?.values ?? {}), [name]: { at, value: JSON.parse(json) as unknown } };
        memory[key] = { at, values };
      });
    },
    async forget(name) {
      await change((memory, key) => {
        const account = memory[key];
        if (!account?.values?.[name]) return;
        const values = { ...account.values };
        delete values[name];
        memory[key] = { at: account.at, values };
      });
    },
  };
}
