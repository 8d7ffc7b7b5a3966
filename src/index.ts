/** Public entry point of memberlist-ts. */
export { DecodeError, ConfigError } from './errors.ts';
export type { DecodeErrorCode } from './errors.ts';
export * from './wire/limits.ts';
