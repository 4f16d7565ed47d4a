/**
 * What keeps a row of the plan out of the image, and what would let it in: the panel
 * shows it beside the row and offers the fix.
 */
import { IRequirementEntry } from './requirementsPlan';

/**
 * The entry installs (or would install) only from the offline wheelhouse, whose wheel the
 * server builds: a git repository inside the Jupyter root that the image cannot reach.
 */
export function needsServerBuild(entry: IRequirementEntry): boolean {
  return entry.serverBuild === true;
}

export interface IInclusionContext {
  /** The offline wheelhouse is on. */
  wheelhouse: boolean;
  /** The template can have a wheelhouse (every one but conda). */
  wheelhouseAvailable: boolean;
}

/**
 * What would let a blocked row in: 'wheelhouse' turn on the offline wheelhouse (the
 * server builds it); 'template' choose a template that has one; 'capture-again' change
 * something on this machine (the action says what), then capture again; 'none' nothing.
 */
export type InclusionFix = 'wheelhouse' | 'template' | 'capture-again' | 'none';

export interface IInclusionBlocker {
  /** Why the row cannot be in the image as things stand. */
  reason: string;
  /** What would allow it, one sentence. */
  action: string;
  fix: InclusionFix;
}

/**
 * Why `entry` cannot be put in the image, and what would allow it; null when it already
 * is, or when ticking it (include, or vendor for a local project or wheel) is all it takes.
 */
export function inclusionBlocker(
  entry: IRequirementEntry,
  context: IInclusionContext
): IInclusionBlocker | null {
  if (needsServerBuild(entry)) {
    if (context.wheelhouse) {
      return null;
    }
    return context.wheelhouseAvailable
      ? {
          reason: entry.reason,
          action:
            'Turn on the offline wheelhouse to build it on the server, then tick it.',
          fix: 'wheelhouse'
        }
      : {
          reason: entry.reason,
          action:
            'Choose a pip or uv template and turn on the offline wheelhouse: the server builds it into a wheel (the conda template has no wheelhouse).',
          fix: 'template'
        };
  }
  if (entry.line !== null) {
    return null;
  }
  switch (entry.status) {
    case 'excluded':
    case 'vendorable':
      return null;
    default:
      return entry.action
        ? { reason: entry.reason, action: entry.action, fix: 'capture-again' }
        : {
            reason: entry.reason,
            action:
              'It cannot be included as installed: reinstall it from a package index or from inside the Jupyter folder, then capture again.',
            fix: 'none'
          };
  }
}
