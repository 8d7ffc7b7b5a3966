/**
 * Name-conflict resolution: when another address claims our name, ask the cluster
 * (`_serf_conflict`) which address it holds for us; unless a majority of the answers is our
 * address and port, we are the impostor and must shut down.
 */
import { DecodeError } from '../errors.ts';
import { ipToString } from '../net/ip.ts';
import { SerfMessageType, decodeBody, memberCodec } from './messages.ts';
import type { QueryResponse } from './query.ts';

export interface ConflictVote {
  responses: number;
  matching: number;
  /** We keep the name. */
  won: boolean;
  /** Answers that were not conflict responses or did not decode. */
  invalid: string[];
}

/** Counts the `_serf_conflict` answers for our address `local` (ip text and port). */
export async function countConflictVotes(
  query: QueryResponse,
  local: { addr: string; port: number },
): Promise<ConflictVote> {
  let responses = 0;
  let matching = 0;
  const invalid: string[] = [];
  for await (const r of query.responseStream()) {
    if (r.payload.length < 1 || r.payload[0] !== SerfMessageType.ConflictResponse) {
      invalid.push(r.from);
      continue;
    }
    try {
      const m = decodeBody(memberCodec, r.payload);
      responses++;
      if (ipToString(m.addr) === local.addr && m.port === local.port) matching++;
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      invalid.push(r.from);
    }
  }
  const majority = Math.floor(responses / 2) + 1;
  return { responses, matching, won: matching >= majority, invalid };
}
