/** Hex helpers for tests. */
export function hex(s: string): Uint8Array {
  const clean = s.replace(/[\s]/g, '');
  return new Uint8Array(Buffer.from(clean, 'hex'));
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}
