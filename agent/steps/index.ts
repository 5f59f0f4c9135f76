// Every boot step's planner, one file per step. The order here does not matter: the
// executor orders steps by what each one `needs`.

import type { StepPlanner } from './context.ts';

export const STEP_PLANNERS: readonly StepPlanner[] = [];
