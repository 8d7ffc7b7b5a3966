/**
 * IP addresses as memberlist carries them: raw 4- or 16-byte slices on the wire, text for
 * sockets and people. Received bytes are kept verbatim (Go compares them byte-wise); only
 * formatting treats an IPv4-mapped IPv6 address as IPv4, as Go's net.IP.String does.
 */
import { isIPv4, isIPv6 } from 'node:net';

const V4_MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

function isV4Mapped(b: Uint8Array): boolean {
  if (b.length !== 16) return false;
  for (let i = 0; i < 12; i++) if (b[i] !== V4_MAPPED_PREFIX[i]) return false;
  return true;
}

/** Text form of a 4- or 16-byte address; "" for anything else (Go prints "<nil>" or "?"). */
export function ipToString(b: Uint8Array | null): string {
  if (b === null) return '';
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (b.length !== 16) return '';
  if (isV4Mapped(b)) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i] << 8) | b[i + 1]);
  // Compress the longest run (length >= 2) of zero groups, as RFC 5952 says.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLen).join(':');
  return `${head}::${tail}`;
}

/** Bytes of an IP in text form: 4 bytes for IPv4, 16 for IPv6. Throws on anything else. */
export function ipFromString(text: string): Uint8Array {
  if (isIPv4(text)) return new Uint8Array(text.split('.').map((p) => Number(p)));
  if (isIPv6(text)) {
    let s = text;
    const zone = s.indexOf('%');
    if (zone >= 0) s = s.slice(0, zone);
    let tailV4: number[] = [];
    const lastColon = s.lastIndexOf(':');
    if (s.slice(lastColon + 1).includes('.')) {
      tailV4 = s
        .slice(lastColon + 1)
        .split('.')
        .map((p) => Number(p));
      s = `${s.slice(0, lastColon + 1)}0:0`;
    }
    const [headPart, tailPart] = s.includes('::') ? s.split('::') : [s, undefined];
    const head = headPart === '' ? [] : headPart.split(':');
    const tail = tailPart === undefined || tailPart === '' ? [] : tailPart.split(':');
    const fill = tailPart === undefined ? 0 : 8 - head.length - tail.length;
    const groups = [...head, ...Array(fill).fill('0'), ...tail].map((g) => parseInt(g, 16));
    const out = new Uint8Array(16);
    groups.forEach((g, i) => {
      out[2 * i] = g >> 8;
      out[2 * i + 1] = g & 0xff;
    });
    if (tailV4.length === 4) out.set(tailV4, 12);
    return out;
  }
  throw new Error(`not an IP address: ${text}`);
}

/** "host:port", with brackets around IPv6 hosts. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Splits "host:port" / "[v6]:port"; the port is undefined when absent. */
export function splitHostPort(s: string): { host: string; port: number | undefined } {
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0) throw new Error(`bad address: ${s}`);
    const host = s.slice(1, end);
    const rest = s.slice(end + 1);
    if (rest === '') return { host, port: undefined };
    if (!rest.startsWith(':')) throw new Error(`bad address: ${s}`);
    return { host, port: parsePort(rest.slice(1), s) };
  }
  const colons = s.split(':').length - 1;
  if (colons === 0) return { host: s, port: undefined };
  if (colons > 1) return { host: s, port: undefined }; // bare IPv6
  const i = s.lastIndexOf(':');
  return { host: s.slice(0, i), port: parsePort(s.slice(i + 1), s) };
}

function parsePort(p: string, whole: string): number {
  const n = Number(p);
  if (!/^\d+$/.test(p) || n > 65535) throw new Error(`bad port in address: ${whole}`);
  return n;
}
