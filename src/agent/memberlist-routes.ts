/**
 * The HTTP API of an agent in memberlist mode. Read: `GET /v1/members`, `/v1/health`,
 * `/v1/stats`, `/v1/keyring`. Change: `POST /v1/keyring/install|use|remove` with
 * `{"key":"BASE64"}`, applied to this node's keyring only. The serf-mode endpoints (`/v1/event`,
 * `/v1/query`, `/v1/tags`, `/v1/force-leave`) answer 400 saying so. (Join and leave: see
 * membership-routes.ts.)
 */
import type { Node } from '../core/node-state.ts';
import { type AgentKeyring, KEYRING_CHANGES } from './agent-keyring.ts';
import { HttpError, type Routes } from './http-api.ts';
import { type HealthDocument, membersDocument, type StatsDocument } from './members-document.ts';
import { keyOf } from './request-body.ts';

/** What the API reads from a node (a Memberlist satisfies it). */
export interface MembersSource {
  allMembers(): Node[];
  numMembers(): number;
  readonly healthScore: number;
  readonly drops: { readonly counts: Readonly<Record<string, number>> };
}

export const SERF_ONLY_PATHS = ['/v1/event', '/v1/query', '/v1/tags', '/v1/force-leave'] as const;

export function memberlistRoutes(source: MembersSource, keyring: AgentKeyring): Routes {
  const routes: Routes = {
    '/v1/members': { method: 'GET', read: () => membersDocument(source.allMembers()) },
    '/v1/health': {
      method: 'GET',
      read: (): HealthDocument => ({ healthScore: source.healthScore, members: source.numMembers() }),
    },
    '/v1/stats': {
      method: 'GET',
      read: (): StatsDocument => ({
        drops: { ...source.drops.counts },
        healthScore: source.healthScore,
        members: source.numMembers(),
      }),
    },
    '/v1/keyring': { method: 'GET', read: () => keyring.document() },
  };
  for (const kind of KEYRING_CHANGES) {
    routes[`/v1/keyring/${kind}`] = { method: 'POST', write: (body) => keyring.change(kind, keyOf(body)) };
  }
  for (const path of SERF_ONLY_PATHS) {
    routes[path] = {
      method: 'POST',
      write: () => Promise.reject(new HttpError(400, `${path}: the agent runs in memberlist mode; needs --mode serf`)),
    };
  }
  return routes;
}
