/** The scenarios by name (the CLI's `--only` names). */
import type { Scenario, ScenarioName } from '../harness/scenario.js';
import { clockScenario } from './clock.js';
import { corruptScenario } from './corrupt.js';
import { diskScenario } from './disk.js';
import { killScenario } from './kill.js';
import { s3Scenario } from './s3.js';

export const scenarios: Record<ScenarioName, Scenario> = {
  kill: killScenario,
  s3: s3Scenario,
  disk: diskScenario,
  corrupt: corruptScenario,
  clock: clockScenario,
};
