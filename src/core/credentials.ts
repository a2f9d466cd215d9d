// Which token a request may carry: each credential is bound to the origin it was entered for, and an
// environment token only to the origin its _URL variable (or the user-level URL setting) names.

/** `https://host[:port]` of a URL, or undefined when it is not one. */
export function originOf(url: string): string | undefined {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

/** The SecretStorage key of a provider's token for one origin. */
export function secretKey(provider: string, origin: string): string {
  return `token:${provider}:${origin}`;
}

export interface TokenSources {
  /** The token from the environment variable, if set. */
  envToken?: string;
  /** The origin variable (`CUSTOMER_CONTEXT_<P>_URL`), if set. */
  envUrl?: string;
  /** The URL setting from user settings (never a workspace value). */
  userLevelUrl?: string;
  /** Reads SecretStorage. */
  secret: (key: string) => Promise<string | undefined>;
}

/** The token to send to `url` for `provider`, or undefined when none is bound to that origin. */
export async function tokenFor(provider: string, url: string, sources: TokenSources): Promise<string | undefined> {
  const origin = originOf(url);
  if (!origin) return undefined;
  if (sources.envToken) {
    const boundTo = sources.envUrl || sources.userLevelUrl;
    if (boundTo && originOf(boundTo) === origin) return sources.envToken;
  }
  return (await sources.secret(secretKey(provider, origin))) || undefined;
}
