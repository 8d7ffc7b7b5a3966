/**
 * Serf's internal queries (`_serf_` prefix), answered here and never shown to the application:
 * ping (the ack is the answer), conflict (the member we hold under a name), and the four keyring
 * operations with Go's exact result messages. The list-keys answer is truncated to fit one
 * response, as Go does.
 */
import type { Logger } from '../core/core-io.ts';
import { DecodeError } from '../errors.ts';
import type { Keyring } from '../wire/keyring.ts';
import { encodeBase64Key } from './key-manager.ts';
import { MEMBER_STATUS_CODE, type Member } from './member.ts';
import {
  type KeyResponseMessage,
  type MemberMessage,
  SerfMessageType,
  decodeBody,
  encodeWithType,
  keyRequestCodec,
  keyResponseCodec,
  memberCodec,
} from './messages.ts';
import type { SerfQuery } from './query.ts';

export const INTERNAL_QUERY_PREFIX = '_serf_';

/** Go's minEncodedKeyLength: a list-keys answer holds at most limit / 25 keys. */
const MIN_ENCODED_KEY_LENGTH = 25;

export interface InternalQueryContext {
  readonly selfName: string;
  readonly keyring: Keyring;
  readonly log: Logger;
  readonly responseSizeLimit: number;
  encryptionEnabled(): boolean;
  member(name: string): Member | undefined;
  /** Persists the keyring if a keyring file is configured; returns an error message on failure. */
  persistKeyring(): string | undefined;
}

export function isInternalQuery(name: string): boolean {
  return name.startsWith(INTERNAL_QUERY_PREFIX);
}

export function memberToMessage(m: Member): MemberMessage {
  return {
    name: m.name,
    addr: m.addrBytes,
    port: m.port,
    tags: new Map(Object.entries(m.tags)),
    status: MEMBER_STATUS_CODE[m.status],
    protocolMin: m.protocolMin,
    protocolMax: m.protocolMax,
    protocolCur: m.protocolCur,
    delegateMin: m.delegateMin,
    delegateMax: m.delegateMax,
    delegateCur: m.delegateCur,
  };
}

function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function handleInternalQuery(ctx: InternalQueryContext, q: SerfQuery): void {
  const name = q.name.slice(INTERNAL_QUERY_PREFIX.length);
  try {
    switch (name) {
      case 'ping':
        return;
      case 'conflict':
        return conflict(ctx, q);
      case 'install-key':
      case 'use-key':
      case 'remove-key':
        return changeKey(ctx, q, name);
      case 'list-keys':
        return listKeys(ctx, q);
      default:
        ctx.log.warn({ query: name }, 'serf: unhandled internal query');
    }
  } catch (err) {
    if (err instanceof DecodeError) throw err;
    ctx.log.error({ query: q.name, err: err instanceof Error ? err.message : String(err) }, 'serf: failed to respond');
  }
}

function conflict(ctx: InternalQueryContext, q: SerfQuery): void {
  const node = new TextDecoder().decode(q.payload);
  if (node === ctx.selfName) return;
  ctx.log.debug({ node }, 'serf: got conflict resolution query');
  const m = ctx.member(node);
  q.respond(encodeWithType(SerfMessageType.ConflictResponse, memberCodec, m === undefined ? null : memberToMessage(m)));
}

function keyResponse(r: KeyResponseMessage): Uint8Array {
  return encodeWithType(SerfMessageType.KeyResponse, keyResponseCodec, r);
}

function changeKey(ctx: InternalQueryContext, q: SerfQuery, op: 'install-key' | 'use-key' | 'remove-key'): void {
  const resp: KeyResponseMessage = { result: false, message: '', keys: null, primaryKey: '' };
  const done = (): void => q.respond(keyResponse(resp));
  let key: Uint8Array;
  try {
    key = decodeBody(keyRequestCodec, q.payload).key ?? new Uint8Array(0);
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    ctx.log.error({ err: err.message }, 'serf: failed to decode key request');
    return done();
  }
  if (!ctx.encryptionEnabled()) {
    resp.message = 'No keyring to modify (encryption not enabled)';
    ctx.log.error({}, `serf: ${resp.message}`);
    return done();
  }
  ctx.log.info({}, `serf: received ${op} query`);
  const ring = ctx.keyring;
  switch (op) {
    case 'install-key':
      if (key.length !== 16 && key.length !== 24 && key.length !== 32) {
        resp.message = 'key size must be 16, 24 or 32 bytes';
        ctx.log.error({}, `serf: failed to install key: ${resp.message}`);
        return done();
      }
      ring.addKey(key);
      break;
    case 'use-key':
      if (!ring.keys.some((k) => sameKey(k, key))) {
        resp.message = 'Requested key is not in the keyring';
        ctx.log.error({}, `serf: failed to change primary key: ${resp.message}`);
        return done();
      }
      ring.useKey(key);
      break;
    case 'remove-key':
      if (ring.primaryKey !== undefined && sameKey(ring.primaryKey, key)) {
        resp.message = 'Removing the primary key is not allowed';
        ctx.log.error({}, `serf: failed to remove key: ${resp.message}`);
        return done();
      }
      if (ring.keys.some((k) => sameKey(k, key))) ring.removeKey(key);
      break;
  }
  const persistError = ctx.persistKeyring();
  if (persistError !== undefined) {
    resp.message = persistError;
    ctx.log.error({ err: persistError }, 'serf: failed to write keyring file');
    return done();
  }
  resp.result = true;
  done();
}

function listKeys(ctx: InternalQueryContext, q: SerfQuery): void {
  const resp: KeyResponseMessage = { result: false, message: '', keys: null, primaryKey: '' };
  if (!ctx.encryptionEnabled()) {
    resp.message = 'Keyring is empty (encryption not enabled)';
    ctx.log.error({}, `serf: ${resp.message}`);
    q.respond(keyResponse(resp));
    return;
  }
  ctx.log.info({}, 'serf: received list-keys query');
  const all = ctx.keyring.keys.map(encodeBase64Key);
  resp.keys = all;
  const primary = ctx.keyring.primaryKey;
  resp.primaryKey = primary === undefined ? '' : encodeBase64Key(primary);
  resp.result = true;
  const actual = all.length;
  const maxKeys = Math.min(Math.floor(ctx.responseSizeLimit / MIN_ENCODED_KEY_LENGTH), actual);
  for (let i = maxKeys; i >= 0; i--) {
    const { raw, resp: message } = q.encodeResponse(keyResponse(resp));
    if (!q.fits(raw)) {
      resp.keys = all.slice(0, i);
      resp.message = `truncated key list response, showing first ${i} of ${actual} keys`;
      continue;
    }
    if (actual > i) ctx.log.warn({}, `serf: ${resp.message}`);
    q.respondRaw(raw, message);
    return;
  }
  ctx.log.error({}, 'serf: Failed to truncate response so that it fits into message');
}
