/**
 * Decoded push/pull node states as plain objects, to compare with `toEqual`: a node state read in
 * Go's layout is a member record (src/wire/go-node-state.ts), whose address and metadata are
 * accessors over held bytes, not own properties. The same copy the package's public decoders
 * make (src/wire/plain-decode.ts).
 */
export { plainNodeState as nodeFields, plainPushPull } from '../../src/wire/plain-decode.ts';
