/**
 * CIDR allow-lists (Go's CIDRsAllowed): parse "10.0.0.0/8" or "fd00::/8" and test raw address
 * bytes, treating IPv4-mapped IPv6 addresses as IPv4 the way Go's net.IPNet.Contains does.
 */
import { ipFromString } from './ip.ts';

export interface Cidr {
  readonly text: string;
  readonly network: Uint8Array;
  readonly bits: number;
}

export function parseCidr(text: string): Cidr {
  const slash = text.indexOf('/');
  if (slash < 0) throw new Error(`invalid CIDR "${text}": no prefix length`);
  const network = ipFromString(text.slice(0, slash));
  const bitsText = text.slice(slash + 1);
  const bits = Number(bitsText);
  if (!/^\d+$/.test(bitsText) || bits > network.length * 8)
    throw new Error(`invalid CIDR "${text}": bad prefix length`);
  return { text, network, bits };
}

/** Go's net.IP.To4: the 4-byte form of an IPv4 or IPv4-mapped address, else null. */
function to4(ip: Uint8Array): Uint8Array | null {
  if (ip.length === 4) return ip;
  if (ip.length === 16 && ip.subarray(0, 10).every((b) => b === 0) && ip[10] === 0xff && ip[11] === 0xff) {
    return ip.subarray(12);
  }
  return null;
}

export function cidrContains(c: Cidr, ip: Uint8Array): boolean {
  let net = c.network;
  let addr: Uint8Array | null = ip;
  if (net.length === 4) addr = to4(ip);
  else if (to4(net) !== null && ip.length === 4) net = net.subarray(12);
  if (addr === null || addr.length !== net.length) return false;
  let bits = c.bits;
  for (let i = 0; i < addr.length && bits > 0; i++) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((addr[i] & mask) !== (net[i] & mask)) return false;
    bits -= 8;
  }
  return true;
}

/** True when `cidrs` is empty (nothing configured) or one of them contains `ip`. */
export function ipAllowed(cidrs: readonly Cidr[], ip: Uint8Array | null): boolean {
  if (cidrs.length === 0) return true;
  if (ip === null) return false;
  return cidrs.some((c) => cidrContains(c, ip));
}
