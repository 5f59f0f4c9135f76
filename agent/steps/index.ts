// Every boot step's planner, one file per step, by step name. The order here does not matter:
// the executor orders steps by what each one `needs`.
//
// Getters, not values: planners import the key registry (for secrecy), which imports this
// module; reading the planners only when asked keeps that cycle harmless at load time.

import type { StepName } from '../plan/actions.ts';
import type { StepPlanner } from './context.ts';
import { planCron } from './cron.ts';
import { planDns } from './dns.ts';
import { planFstab } from './fstab.ts';
import { planHostname } from './hostname.ts';
import { planInitCommands } from './init-commands.ts';
import { planInterfaces } from './interfaces.ts';
import { planLogin } from './login.ts';
import { planLtsConf } from './lts-conf.ts';
import { planMachineId } from './machine-id.ts';
import { planModules } from './modules.ts';
import { planRcfiles } from './rcfiles.ts';
import { planScreens } from './screens.ts';
import { planSound } from './sound.ts';
import { planSwap } from './swap.ts';
import { planSyslog } from './syslog.ts';
import { planTime } from './time.ts';
import { planKeyboard, planX } from './x.ts';

export const PLANNERS: { readonly [S in StepName]: StepPlanner<S> } = {
  get 'lts-conf'() {
    return planLtsConf;
  },
  get hostname() {
    return planHostname;
  },
  get dns() {
    return planDns;
  },
  get modules() {
    return planModules;
  },
  get time() {
    return planTime;
  },
  get swap() {
    return planSwap;
  },
  get sound() {
    return planSound;
  },
  get syslog() {
    return planSyslog;
  },
  get x() {
    return planX;
  },
  get keyboard() {
    return planKeyboard;
  },
  get fstab() {
    return planFstab;
  },
  get cron() {
    return planCron;
  },
  get rcfiles() {
    return planRcfiles;
  },
  get 'init-commands'() {
    return planInitCommands;
  },
  get 'machine-id'() {
    return planMachineId;
  },
  get interfaces() {
    return planInterfaces;
  },
  get screens() {
    return planScreens;
  },
  get login() {
    return planLogin;
  },
};

/** Every planner of a boot. */
export function bootPlanners(): readonly StepPlanner[] {
  return Object.values(PLANNERS);
}

/** The client steps (the boot's own lts-conf step aside). */
export function stepPlanners(): readonly StepPlanner[] {
  return bootPlanners().filter((p) => p.step !== 'lts-conf');
}
