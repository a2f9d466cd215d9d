// Small fakes for core tests: a Map-backed store, a fixed clock; the builders live in builders.ts.
import type { KeyValueStore } from '../../src/core/store';

export function memoryStore(): KeyValueStore & { data: Map<string, unknown> } {
  const data = new Map<string, unknown>();
  return {
    data,
    get: <T>(k: string) => data.get(k) as T | undefined,
    update: async (k: string, v: unknown) => void (v === undefined ? data.delete(k) : data.set(k, JSON.parse(JSON.stringify(v)))),
  };
}

/** 2026-11-27 12:00 local time. */
export const Noon = new Date(2026, 10, 27, 12, 0, 0).getTime();

export { aContext, aDeal, aTicket } from './builders';
