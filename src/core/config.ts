/**
 * Configuration of a memberlist node: every knob of Go's Config that affects the protocol, with
 * the LAN, WAN and Local profiles equal to Go's DefaultLANConfig, DefaultWANConfig and
 * DefaultLocalConfig. Durations are milliseconds.
 */
import { hostname } from 'node:os';

export interface ProtocolConfig {
  /** Unique node name. Go default: the hostname. */
  name: string;
  /** Address and port to bind (UDP and TCP on the same port). */
  bindAddr: string;
  bindPort: number;
  /** Address and port to advertise; empty / 0 = derived from the bind address. */
  advertiseAddr: string;
  advertisePort: number;
  /** Protocol version spoken, 1..5 (Go default 2). */
  protocolVersion: number;
  tcpTimeout: number;
  indirectChecks: number;
  retransmitMult: number;
  suspicionMult: number;
  suspicionMaxTimeoutMult: number;
  /** 0 disables periodic push/pull. */
  pushPullInterval: number;
  probeInterval: number;
  probeTimeout: number;
  disableTcpPings: boolean;
  /** Per-node override of disableTcpPings. */
  disableTcpPingsForNode?: (name: string) => boolean;
  awarenessMaxMultiplier: number;
  /**
   * Turns every Lifeguard extension off, leaving the SWIM baseline of the Lifeguard paper: no
   * awareness scaling, a fixed suspicion timeout (no confirmations), no nacks and no buddy system
   * (a suspected member's ping does not carry the suspicion). Not in Go; for simulations.
   */
  disableLifeguard?: boolean;
  gossipInterval: number;
  gossipNodes: number;
  gossipToTheDeadTime: number;
  gossipVerifyIncoming: boolean;
  gossipVerifyOutgoing: boolean;
  enableCompression: boolean;
  /** Cluster label (≤ 255 bytes); "" = none. */
  label: string;
  skipInboundLabelCheck: boolean;
  /** Keys for the keyring, primary first (16, 24 or 32 bytes each). */
  keys: Uint8Array[];
  delegateProtocolVersion: number;
  delegateProtocolMin: number;
  delegateProtocolMax: number;
  handoffQueueDepth: number;
  /** Send-side packet budget. */
  udpBufferSize: number;
  /** 0 = a dead node's name is never taken over by another address. */
  deadNodeReclaimTime: number;
  requireNodeNames: boolean;
  /** Allowed networks, e.g. ["10.0.0.0/8"]; empty = all. */
  cidrsAllowed: string[];
  queueCheckInterval: number;
}

export const PROTOCOL_VERSION_MIN = 1;
export const PROTOCOL_VERSION_MAX = 5;
/** Go's ProtocolVersion2Compatible: the version a default node speaks. */
export const DEFAULT_PROTOCOL_VERSION = 2;

/** Go's DefaultLANConfig. */
export function lanConfig(overrides: Partial<ProtocolConfig> = {}): ProtocolConfig {
  return {
    name: hostname(),
    bindAddr: '0.0.0.0',
    bindPort: 7946,
    advertiseAddr: '',
    advertisePort: 7946,
    protocolVersion: DEFAULT_PROTOCOL_VERSION,
    tcpTimeout: 10_000,
    indirectChecks: 3,
    retransmitMult: 4,
    suspicionMult: 4,
    suspicionMaxTimeoutMult: 6,
    pushPullInterval: 30_000,
    probeInterval: 1_000,
    probeTimeout: 500,
    disableTcpPings: false,
    awarenessMaxMultiplier: 8,
    gossipInterval: 200,
    gossipNodes: 3,
    gossipToTheDeadTime: 30_000,
    gossipVerifyIncoming: true,
    gossipVerifyOutgoing: true,
    enableCompression: true,
    label: '',
    skipInboundLabelCheck: false,
    keys: [],
    delegateProtocolVersion: 0,
    delegateProtocolMin: 0,
    delegateProtocolMax: 0,
    handoffQueueDepth: 1024,
    udpBufferSize: 1400,
    deadNodeReclaimTime: 0,
    requireNodeNames: false,
    cidrsAllowed: [],
    queueCheckInterval: 30_000,
    ...overrides,
  };
}

/** Go's DefaultWANConfig. */
export function wanConfig(overrides: Partial<ProtocolConfig> = {}): ProtocolConfig {
  return lanConfig({
    tcpTimeout: 30_000,
    suspicionMult: 6,
    pushPullInterval: 60_000,
    probeTimeout: 3_000,
    probeInterval: 5_000,
    gossipNodes: 4,
    gossipInterval: 500,
    gossipToTheDeadTime: 60_000,
    ...overrides,
  });
}

/** Go's DefaultLocalConfig. */
export function localConfig(overrides: Partial<ProtocolConfig> = {}): ProtocolConfig {
  return lanConfig({
    tcpTimeout: 1_000,
    indirectChecks: 1,
    retransmitMult: 2,
    suspicionMult: 3,
    pushPullInterval: 15_000,
    probeTimeout: 200,
    probeInterval: 1_000,
    gossipInterval: 100,
    gossipToTheDeadTime: 15_000,
    ...overrides,
  });
}

export type Profile = 'lan' | 'wan' | 'local';

export function profileConfig(profile: Profile, overrides: Partial<ProtocolConfig> = {}): ProtocolConfig {
  switch (profile) {
    case 'lan':
      return lanConfig(overrides);
    case 'wan':
      return wanConfig(overrides);
    case 'local':
      return localConfig(overrides);
  }
}
