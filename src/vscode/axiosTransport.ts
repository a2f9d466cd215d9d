// The one place axios is used at run time: one attempt for src/core/http.ts. No 'vscode' import
// here, so unit tests drive real axios against fake servers on 127.0.0.1.
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import {
  CANCELED,
  TOO_LARGE,
  TransportError,
  isLoopbackHost,
  type HttpResponse,
  type HttpTransport,
  type TransportRequest,
} from '../core/http';

function lowerCaseHeaders(headers: AxiosResponse['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v === undefined || v === null) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
}

/** Maps an axios failure to a TransportError whose `code` src/core/http.ts classifies. */
function toTransportError(e: unknown, req: TransportRequest): TransportError {
  if (axios.isCancel(e) || req.signal.aborted) {
    return new TransportError(CANCELED, 'request aborted');
  }
  const err = e as { code?: unknown; message?: unknown; cause?: { code?: unknown } };
  const message = typeof err.message === 'string' ? err.message : String(e);
  if (/maxContentLength|maxBodyLength/i.test(message)) {
    return new TransportError(TOO_LARGE, message);
  }
  // axios wraps socket errors: the Node code (ECONNRESET…) is on the error or on its cause.
  const code =
    (typeof err.code === 'string' && err.code !== 'ERR_BAD_RESPONSE' ? err.code : undefined) ??
    (typeof err.cause?.code === 'string' ? err.cause.code : undefined) ??
    (typeof err.code === 'string' ? err.code : 'ERR_NETWORK');
  return new TransportError(code, message);
}

/** An HttpTransport over axios: one attempt, no redirects, raw text body, size and time limits. */
export function axiosTransport(instance: AxiosInstance = axios.create()): HttpTransport {
  return async (req: TransportRequest): Promise<HttpResponse> => {
    let res: AxiosResponse<unknown>;
    try {
      res = await instance.request<unknown>({
        method: req.method,
        url: req.url,
        headers: req.headers,
        data: req.body,
        signal: req.signal,
        timeout: req.timeoutMs,
        maxContentLength: req.maxBytes,
        maxBodyLength: req.maxBytes,
        // A redirect comes back as its 3xx: following it could carry credentials to another origin.
        maxRedirects: 0,
        // Every status resolves; src/core/http.ts classifies them.
        validateStatus: () => true,
        // Keep the body as text so malformed JSON and HTML pages can be told apart from real JSON.
        responseType: 'text',
        responseEncoding: 'utf8',
        transformResponse: [(data: unknown) => data],
        transitional: {
          silentJSONParsing: false,
          forcedJSONParsing: false,
          clarifyTimeoutError: true,
        },
        decompress: true,
        // A loopback address never goes through a proxy (tests, local fakes).
        ...(isLoopbackHost(new URL(req.url).hostname) ? { proxy: false as const } : {}),
      });
    } catch (e) {
      throw toTransportError(e, req);
    }
    return { status: res.status, headers: lowerCaseHeaders(res.headers), data: res.data };
  };
}
