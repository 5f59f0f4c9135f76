// Every boot step's planner, one file per step. The order here does not matter: the
// executor orders steps by what each one `needs`.

import type { StepPlanner } from './context.ts';
import { planCron } from './cron.ts';
import { planDns } from './dns.ts';
import { planFstab } from './fstab.ts';
import { planHostname } from './hostname.ts';
import { planInitCommands } from './init-commands.ts';
import { planInterfaces } from './interfaces.ts';
import { planMachineId } from './machine-id.ts';
import { planModules } from './modules.ts';
import { planRcfiles } from './rcfiles.ts';
import { planScreens } from './screens.ts';
import { planSound } from './sound.ts';
import { planSwap } from './swap.ts';
import { planSyslog } from './syslog.ts';
import { planTime } from './time.ts';
import { planKeyboard, planX } from './x.ts';

export const STEP_PLANNERS: readonly StepPlanner[] = [
  planHostname,
  planDns,
  planModules,
  planTime,
  planSwap,
  planSound,
  planSyslog,
  planX,
  planKeyboard,
  planFstab,
  planCron,
  planRcfiles,
  planInitCommands,
  planMachineId,
  planInterfaces,
  planScreens,
];
