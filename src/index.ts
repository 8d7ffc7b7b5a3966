/**
 * Public entry point of memberlist-ts: the node (`Memberlist`), its configuration profiles and
 * types, the sans-io core and simulator for advanced use, and the wire layer.
 */
export { Memberlist } from './memberlist.ts';
export type { MemberEvent, MemberlistEvents, MemberlistOptions } from './memberlist.ts';
export {
  DEFAULT_PROTOCOL_VERSION,
  PROTOCOL_VERSION_MAX,
  PROTOCOL_VERSION_MIN,
  lanConfig,
  localConfig,
  profileConfig,
  wanConfig,
} from './core/config.ts';
export type { Profile, ProtocolConfig } from './core/config.ts';
export type {
  AliveDelegate,
  ConflictDelegate,
  Delegate,
  Delegates,
  EventDelegate,
  MergeDelegate,
  PingDelegate,
} from './core/delegates.ts';
export type { Node, NodeStatus } from './core/node-state.ts';
export { BroadcastQueue as TransmitLimitedQueue } from './core/broadcast-queue.ts';
export type { Broadcast } from './core/broadcast-queue.ts';
export { MemberlistCore } from './core/core.ts';
export type { CoreOptions, JoinTarget } from './core/core.ts';
export type { CoreIO, Logger, StreamResult } from './core/core-io.ts';
export { SimNetwork, SimNode } from './sim/network.ts';
export type { DropReason } from './observe/drop-log.ts';
export { DecodeError, ConfigError } from './errors.ts';
export type { DecodeErrorCode } from './errors.ts';
export { Keyring } from './wire/keyring.ts';
export * from './wire/limits.ts';
export { MessageType, NodeStateCode } from './wire/messages.ts';
export type * from './wire/messages.ts';
export { decodeAnyMessage, decodeMessage, encodeMessage } from './wire/codec.ts';
export { decodePacket, encodePacket, expandPayload } from './wire/packet.ts';
export { encodeStreamMessage, readStreamLabel, streamLabelHeader } from './wire/stream.ts';
export { decodePushPull, decodeStreamMessage } from './wire/plain-decode.ts';
export type { StreamMessage } from './wire/stream.ts';
export { encodePushPull } from './wire/push-pull.ts';
export type { PushPull } from './wire/push-pull.ts';
export { compressMessage, decompressMessage } from './wire/compress.ts';
export { lzwCompress, lzwDecompress } from './wire/lzw.ts';
export { decryptPayload, encryptPayload } from './wire/security.ts';
export type { EncryptionVersion } from './wire/security.ts';
export type { WireSecurity } from './wire/wire-security.ts';
export { NO_SECURITY } from './wire/wire-security.ts';
export * from './serf/index.ts';
