/** The scenarios by name (the CLI's `--only` names). */
import type { Scenario, ScenarioName } from '../harness/scenario.js';
import { killScenario } from './kill.js';

export const scenarios: Record<ScenarioName, Scenario> = {
  kill: killScenario,
  s3: killScenario,
  disk: killScenario,
  corrupt: killScenario,
  clock: killScenario,
};
