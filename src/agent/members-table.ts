/**
 * The `--format table` rendering of a members document: in memberlist mode aligned columns Name,
 * Address, Status, Incarnation, Meta (metadata that is printable UTF-8 shown as text, other
 * metadata as "base64:<bytes>"); in serf mode Name, Address, Status, Tags (`k=v,k=v`, sorted).
 * Control characters from remote nodes are escaped so they cannot drive the terminal.
 */
import { joinHostPort } from '../net/ip.ts';
import type { MembersDocument } from './members-document.ts';
import type { SerfMembersDocument } from './serf-members-document.ts';

const HEADER = ['Name', 'Address', 'Status', 'Incarnation', 'Meta'] as const;
const GAP = '  ';

export function renderMembersTable(doc: MembersDocument): string {
  const rows: string[][] = [[...HEADER]];
  for (const m of doc.members) {
    rows.push([printable(m.name), joinHostPort(m.addr, m.port), m.status, String(m.incarnation), metaText(m.meta)]);
  }
  return aligned(rows);
}

const SERF_HEADER = ['Name', 'Address', 'Status', 'Tags'] as const;

export function renderSerfMembersTable(doc: SerfMembersDocument): string {
  const rows: string[][] = [[...SERF_HEADER]];
  for (const m of doc.members) {
    const tags = Object.keys(m.tags)
      .sort()
      .map((k) => `${k}=${m.tags[k]}`)
      .join(',');
    rows.push([printable(m.name), printable(m.addr), printable(m.status), printable(tags)]);
  }
  return aligned(rows);
}

function aligned(rows: readonly string[][]): string {
  const widths = rows[0].map((_, col) => Math.max(...rows.map((r) => r[col].length)));
  return rows
    .map(
      (r) =>
        r
          .map((cell, col) => cell.padEnd(widths[col]))
          .join(GAP)
          .trimEnd() + '\n',
    )
    .join('');
}

/** Metadata as a person wants to read it: its text when it is printable UTF-8, else base64. */
export function metaText(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length === 0) return '';
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return `base64:${base64}`;
  }
  return hasControl(text) ? `base64:${base64}` : text;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

function hasControl(s: string): boolean {
  CONTROL.lastIndex = 0;
  return CONTROL.test(s);
}

/** Escapes control characters as \u00XX. */
export function printable(s: string): string {
  return s.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
