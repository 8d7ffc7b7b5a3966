/**
 * Hardening limits, as Go memberlist enforces them (v0.6.0 plus the 2026 fixes on its main
 * branch). Every decoder checks a length or count against these *before* allocating.
 */

const MiB = 1024 * 1024;

/** Largest encrypted stream frame and largest push/pull user state (Go: maxPushStateBytes). */
export const MAX_PUSH_STATE_BYTES = 20 * MiB;
/** Largest node count in a push/pull header (Go: maxPushStateNodes). */
export const MAX_PUSH_STATE_NODES = 1024 * 1024;
/** Largest reliable user message over a stream (Go: maxUserMsgBytes). */
export const MAX_USER_MSG_BYTES = 20 * MiB;
/** Largest output of LZW decompression (Go: maxDecompressedBytes). */
export const MAX_DECOMPRESSED_BYTES = 40 * MiB;
/** Parts in one compound message: the count is one byte. */
export const MAX_COMPOUND_PARTS = 255;
/** Bytes in one compound part: the length is a u16. */
export const MAX_COMPOUND_PART_BYTES = 65535;
/** Label length on packets and streams. */
export const MAX_LABEL_BYTES = 255;
/** Node metadata length (enforced on the local node only, as Go does). */
export const MAX_META_BYTES = 512;
/** Largest UDP datagram we accept (Go reads into 64 KiB buffers). */
export const MAX_PACKET_BYTES = 65536;
/** Concurrent inbound push/pull exchanges (Go: maxPushPullRequests). */
export const MAX_PUSH_PULL_REQUESTS = 128;
