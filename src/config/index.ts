export { settings, settingNames, envVarOf, flagOf, type Config, type SettingName } from './settings.js';
export { loadConfig, collectSettings, validateSettings, ConfigError, CONFIG_FILE_ENV_VAR, type ConfigSources, type RawSettings } from './load-config.js';
