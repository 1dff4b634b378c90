/**
 * fetch wrappers. The daemon answers errors with a plain-text body (teller's http.Error, with a
 * trailing newline); `ApiError.text` is that body trimmed. A failed connection is a `NetworkError`.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly text: string,
  ) {
    super(text === '' ? `HTTP ${status}` : text);
    this.name = 'ApiError';
  }
}

export class NetworkError extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'NetworkError';
  }
}

export async function request(url: string, init: RequestInit = {}): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { cache: 'no-store', credentials: 'same-origin', ...init });
  } catch (err) {
    throw new NetworkError(err);
  }
  if (!res.ok) throw new ApiError(res.status, (await res.text()).trim());
  return res;
}

export async function requestJson(url: string, init: RequestInit = {}): Promise<unknown> {
  const res = await request(url, init);
  const text = await res.text();
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ApiError(res.status, `invalid JSON response: ${err instanceof Error ? err.message : ''}`);
  }
}

export const postJson = (
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<unknown> =>
  requestJson(url, {
    method: 'POST',
    // Exactly `application/json`: teller rejects any parameter (415 `Invalid content type`).
    headers: { ...headers, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
