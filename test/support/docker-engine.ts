/**
 * Finds a reachable Docker engine quickly, without testcontainers: DOCKER_HOST (unix:// or
 * tcp://) or the usual socket paths, each asked `GET /_ping` with a one-second timeout. Lets a
 * container test skip in well under a second when there is no engine.
 */
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';

export type DockerEngine = { ok: true; host: string } | { ok: false; reason: string };

function ping(target: { socketPath: string } | { host: string; port: number }, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ ...target, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** The first engine that answers a ping, or why there is none. */
export async function findDockerEngine(timeoutMs = 1_000): Promise<DockerEngine> {
  const configured = process.env.DOCKER_HOST;
  if (configured !== undefined && configured !== '') {
    let target: { socketPath: string } | { host: string; port: number } | undefined;
    if (configured.startsWith('unix://')) target = { socketPath: configured.slice('unix://'.length) };
    else if (configured.startsWith('tcp://')) {
      const u = new URL(configured.replace(/^tcp:/, 'http:'));
      target = { host: u.hostname, port: Number(u.port || 2375) };
    }
    if (target === undefined) return { ok: false, reason: `DOCKER_HOST=${configured} is not unix:// or tcp://` };
    if (await ping(target, timeoutMs)) return { ok: true, host: configured };
    return { ok: false, reason: `no Docker engine answers at DOCKER_HOST=${configured}` };
  }
  const uid = process.getuid?.();
  const sockets = [
    '/var/run/docker.sock',
    join(homedir(), '.docker', 'run', 'docker.sock'),
    join(homedir(), '.docker', 'desktop', 'docker.sock'),
    ...(process.env.XDG_RUNTIME_DIR ? [join(process.env.XDG_RUNTIME_DIR, 'docker.sock')] : []),
    ...(uid !== undefined ? [`/run/user/${uid}/docker.sock`] : []),
  ].filter((p, i, all) => all.indexOf(p) === i && existsSync(p));
  for (const socketPath of sockets) {
    if (await ping({ socketPath }, timeoutMs)) return { ok: true, host: `unix://${socketPath}` };
  }
  if (sockets.length > 0) return { ok: false, reason: `no Docker engine answers on ${sockets.join(', ')}` };
  return { ok: false, reason: 'no Docker engine (DOCKER_HOST unset, no docker.sock)' };
}
