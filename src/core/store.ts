/** The part of vscode.Memento we use; context.globalState satisfies it structurally. */
export interface KeyValueStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}
