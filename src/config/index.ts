/** The config area: TOML → typed, validated Config (see load.ts), and Go durations. */
export type * from './types';
export {
  ADMIN_TOKEN_ENV,
  ConfigError,
  defaultConfig,
  loadConfig,
  parseConfig,
  resolveConfigPath,
  type LoadedConfig,
  type LoadOptions,
} from './load';
export { DEFAULT_CONFIG_NAME } from './paths';
export { redactConfig } from './redact';
export { formatGoDuration, formatGoDurationNs, parseGoDuration, parseGoDurationNs } from './duration';
