/**
 * Public entry point of the Serf layer: the `Serf` node, its options, members, events, queries,
 * key manager, coordinates, the wire codecs of Serf's messages and tags, the merge delegate
 * hook and the Consul LAN profile.
 */
export { Serf } from './serf.ts';
export type { SerfEvents, SerfState } from './serf.ts';
export type { QueryParams, SerfConfig, SerfMemberlistOptions, SerfOptions } from './serf-options.ts';
export { SERF_PROTOCOL_MAX, SERF_PROTOCOL_MIN, serfConfig } from './serf-options.ts';
export type { Member, MemberStatus } from './member.ts';
export type { SerfMergeDelegate } from './merge-delegate.ts';
export {
  CONSUL_PROTOCOL,
  CONSUL_SERF_LAN_PORT,
  CONSUL_SERF_PROTOCOL,
  CONSUL_VERSION,
  consulLanProfile,
  consulReconnectTimeout,
  isConsulNodeId,
} from './consul-profile.ts';
export type { ConsulLanProfile, ConsulLanProfileOptions } from './consul-profile.ts';
export {
  checkConsulLanMembers,
  consulLanMergeDelegate,
  consulServerDatacenter,
  parseConsulBuild,
} from './consul-merge.ts';
export type { ConsulLanMergeOptions, ConsulVersion } from './consul-merge.ts';
export { MEMBER_STATUS_CODE, memberStatusFromCode } from './member.ts';
export type { MemberEvent, MemberEventType, QueryEvent, SerfEvent, UserEvent } from './events.ts';
export { QueryResponse, SerfQuery } from './query.ts';
export type { QueryReply, QueryResult } from './query.ts';
export { KeyManager, KeyOperationError, decodeBase64Key, encodeBase64Key } from './key-manager.ts';
export type { KeyResponse } from './key-manager.ts';
export { CoordinateClient, decodePingPayload, encodePingPayload, distanceSeconds } from './coordinate.ts';
export type { Coordinate } from './coordinate.ts';
export { LamportClock } from './lamport.ts';
export { EventRing, QueryRing } from './dedupe-rings.ts';
export { checkFilters, compileRe2, decodeFilter, encodeFilter, encodeFilters } from './filters.ts';
export type { QueryFilter } from './filters.ts';
export { TAG_MAGIC_BYTE, decodeTags, encodeTags } from './tags.ts';
export type { Tags } from './tags.ts';
export * from './messages.ts';
