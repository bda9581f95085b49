import { readComposeFacts } from '../bundle/compose-facts.js';
import { readOptional } from '../bundle/load.js';
import { BUNDLE_FILES } from '../bundle/state.js';
import type { StackControl } from './stack-control.js';

/** Whether the bundle's compose file has the entry shell that restarts the registry in place on HUP. */
export const restartsInPlace = (dir: string): boolean => readComposeFacts(readOptional(dir, BUNDLE_FILES.compose) ?? '').restartsInPlace;

/**
 * The registry starts again on the config now current: in place when the compose file
 * has the entry shell (a quarter of a second with no listener), else by restarting its
 * container (about a second more: Docker builds the container's network again).
 */
export function restartRegistry(stack: StackControl): void {
  if (restartsInPlace(stack.dir)) stack.restartInPlace('registry');
  else stack.restart('registry');
}
