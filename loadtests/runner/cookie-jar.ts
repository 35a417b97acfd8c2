/**
 * A minimal browser-like cookie jar for WebSocket clients: it keeps the `name=value` pairs of the
 * `Set-Cookie` headers of an upgrade response (HAProxy's `cookie … insert` and Nginx's sticky key
 * both arrive on the 101) and sends them back in one `Cookie` header on the next handshake.
 *
 * Deliberately minimal: one jar per client and per origin set (the load clients dial one proxy),
 * so Domain, Path, Secure and SameSite are not matched; `Max-Age` (≤ 0 deletes) and `Expires`
 * (in the past deletes) are honoured, `Max-Age` winning as RFC 6265 §5.3 says.
 */
export class CookieJar {
  /** name → value and expiry (ms since the epoch; +Infinity for a session cookie). */
  private readonly cookies = new Map<string, { value: string; expiresAtMs: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Stores every `Set-Cookie` line (a header value array, as Node's IncomingMessage gives it). */
  store(setCookie: readonly string[] | undefined): void {
    for (const line of setCookie ?? []) this.storeLine(line);
  }

  /** The `Cookie` header value for the next request, or undefined when the jar holds nothing live. */
  header(): string | undefined {
    const pairs: string[] = [];
    for (const [name, cookie] of this.cookies) {
      if (cookie.expiresAtMs <= this.now()) this.cookies.delete(name);
      else pairs.push(`${name}=${cookie.value}`);
    }
    return pairs.length === 0 ? undefined : pairs.join('; ');
  }

  /** One cookie's value (undefined when absent or expired). */
  get(name: string): string | undefined {
    const cookie = this.cookies.get(name);
    return cookie !== undefined && cookie.expiresAtMs > this.now() ? cookie.value : undefined;
  }

  private storeLine(line: string): void {
    const [pair = '', ...attributes] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) return;
    const name = pair.slice(0, eq).trim();
    if (name === '') return;
    const value = pair.slice(eq + 1).trim();
    let maxAgeS: number | undefined;
    let expiresAtMs: number | undefined;
    for (const attribute of attributes) {
      const at = attribute.indexOf('=');
      const key = (at < 0 ? attribute : attribute.slice(0, at)).trim().toLowerCase();
      const raw = at < 0 ? '' : attribute.slice(at + 1).trim();
      if (key === 'max-age' && /^-?\d+$/.test(raw)) maxAgeS = Number(raw);
      if (key === 'expires') {
        const parsed = Date.parse(raw);
        if (Number.isFinite(parsed)) expiresAtMs = parsed;
      }
    }
    const expiry =
      maxAgeS !== undefined ? this.now() + maxAgeS * 1_000 : (expiresAtMs ?? Number.POSITIVE_INFINITY);
    if (expiry <= this.now()) this.cookies.delete(name);
    else this.cookies.set(name, { value, expiresAtMs: expiry });
  }
}
