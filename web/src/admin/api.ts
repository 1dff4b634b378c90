import { ApiError, request, requestJson } from '../shared/http';

/** The admin API (teller-http.md §3 plus this daemon's overview/retry), with the bearer token. */

export class AdminClient {
  constructor(private readonly token: () => string) {}

  private headers(): Record<string, string> {
    const token = this.token();
    return token === '' ? {} : { Authorization: `Bearer ${token}` };
  }

  get(path: string): Promise<unknown> {
    return requestJson(path, { headers: this.headers() });
  }

  retry(depositId: string): Promise<unknown> {
    // The id is `<txid>:<vout>`; keep the colon readable, escape everything else.
    const id = encodeURIComponent(depositId).replace(/%3A/gi, ':');
    return requestJson(`/api/deposits/${id}/retry`, { method: 'POST', headers: this.headers() });
  }

  /** Fetches the backup and hands it to the browser as a download. Returns the file name. */
  async downloadBackup(): Promise<string> {
    const res = await request('/api/backup', { headers: this.headers() });
    const name =
      fileName(res.headers.get('Content-Disposition')) ?? `teller-${Math.floor(Date.now() / 1000)}.db`;
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    // Revoke after the click has started the download.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    return name;
  }
}

/** The file name of a `Content-Disposition: attachment; filename="…"` header. */
export function fileName(disposition: string | null): string | undefined {
  if (disposition === null) return undefined;
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition);
  if (star !== null) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch (err) {
      console.warn('bad filename* in Content-Disposition', err);
    }
  }
  const m = /filename\s*=\s*(?:"([^"]*)"|([^;\s]+))/i.exec(disposition);
  const name = m?.[1] ?? m?.[2];
  return name === undefined || name === '' ? undefined : name.replace(/[/\\]/g, '_');
}

export const isUnauthorized = (err: unknown): boolean => err instanceof ApiError && err.status === 401;
