/**
 * The HTTP API's membership changes, in both modes: `POST /v1/join` `{"addrs":[...],"replay":bool}`
 * → `{"contacted":N}`, `POST /v1/leave` (empty body or `{}`) → `{"left":true}`, answered once the
 * graceful leave is done, after which the agent stops, and — serf mode only, where the library
 * has it — `POST /v1/force-leave` `{"node","prune"}` → `{"node","prune"}`. A bad body is a 400; an
 * operation that fails (no address answered, the removal not gossiped in time) a 500 with Serf's
 * message.
 */
import { HttpError, type Routes } from './http-api.ts';
import { booleanField, objectBody, stringField, stringListField } from './request-body.ts';

export interface MembershipOps {
  /** Joins through any of `addrs`; resolves to the number of nodes contacted. */
  join(addrs: readonly string[], replay: boolean): Promise<number>;
  /** The graceful leave (run at most once; the agent's own stop reuses it). */
  leave(): Promise<void>;
  /** Called after the leave's answer went out: stops the agent. */
  afterLeave(): void;
  /** Serf mode only: moves a failed member to left (and with `prune`, erases it). */
  forceLeave?(node: string, prune: boolean): Promise<void>;
}

export function membershipRoutes(ops: MembershipOps): Routes {
  const routes: Routes = {
    '/v1/join': {
      method: 'POST',
      write: async (body) => {
        const o = objectBody(body, ['addrs', 'replay'], '{"addrs": ["IP:PORT", ...], "replay": false}');
        const addrs = stringListField(o, 'addrs');
        if (addrs === undefined || addrs.length === 0) throw new HttpError(400, 'addrs: give at least one address');
        if (addrs.some((a) => a.trim() === '')) throw new HttpError(400, 'addrs: an address must not be empty');
        const replay = booleanField(o, 'replay') ?? false;
        return { contacted: await failing(() => ops.join(addrs, replay)) };
      },
    },
    '/v1/leave': {
      method: 'POST',
      bodyOptional: true,
      write: async (body) => {
        objectBody(body, [], '{}');
        await failing(() => ops.leave());
        return { left: true };
      },
      afterResponse: () => ops.afterLeave(),
    },
  };
  const forceLeave = ops.forceLeave?.bind(ops);
  if (forceLeave !== undefined) {
    routes['/v1/force-leave'] = {
      method: 'POST',
      write: async (body) => {
        const o = objectBody(body, ['node', 'prune'], '{"node": "NAME", "prune": false}');
        const node = stringField(o, 'node', true);
        if (node === '') throw new HttpError(400, 'node: must not be empty');
        const prune = booleanField(o, 'prune') ?? false;
        await failing(() => forceLeave(node, prune));
        return { node, prune };
      },
    };
  }
  return routes;
}

/** Runs an operation; its failure becomes a 500 carrying the message (not "internal error"). */
async function failing<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new HttpError(500, err instanceof Error ? err.message : String(err));
  }
}
