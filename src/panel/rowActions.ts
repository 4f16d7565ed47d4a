/**
 * Why a row of the package table is in or out of the image, and the buttons that change
 * it: what a click on a row shows (a checkbox that cannot tick says why here). Pure.
 */
import { IRowCheck } from '../core/environment/packageTable';
import {
  inclusionBlocker,
  IInclusionBlocker,
  IInclusionContext
} from '../core/requirements/inclusionBlocker';
import { IRequirementEntry } from '../core/requirements/requirementsPlan';
import { ITranslate, plainTranslate } from '../core/shared/text';

/**
 * 'wheelhouse': turn on the offline wheelhouse and tick the row (the server builds it);
 * 'template': switch to the pip template with the wheelhouse on, and tick the row;
 * 'capture': capture the environment again (after a reinstall on this machine).
 */
export type RowActionKind =
  'include' | 'exclude' | 'vendor' | 'wheelhouse' | 'template' | 'capture';

export interface IRowAction {
  kind: RowActionKind;
  label: string;
}

export interface IRowExplanation {
  /** Why the row is what it is (plan's or pre-flight's reason). */
  reason: string;
  /** What the user can do, in words ('' when nothing is needed). */
  action: string;
  actions: IRowAction[];
}

/** The offline wheelhouse is on; the template can have one (not conda). */
export type IRowContext = IInclusionContext;

/** The button that applies a blocker's fix. */
function fixAction(blocker: IInclusionBlocker, trans: ITranslate): IRowAction {
  switch (blocker.fix) {
    case 'wheelhouse':
      return {
        kind: 'wheelhouse',
        label: trans.__('Turn on the offline wheelhouse')
      };
    case 'template':
      return {
        kind: 'template',
        label: trans.__('Use the pip template with the offline wheelhouse')
      };
    default:
      // Whatever the fix is, it happens on this machine; a new capture then sees it.
      return { kind: 'capture', label: trans.__('Capture again') };
  }
}

/** The explanation of a row, with the buttons that change it. */
export function explainRow(
  row: IRequirementEntry,
  check: IRowCheck | null,
  context: IRowContext,
  trans: ITranslate = plainTranslate
): IRowExplanation {
  if (check && check.blocked) {
    return row.line === null
      ? {
          reason: check.reason,
          action: check.action,
          actions: [{ kind: 'include', label: trans.__('Tick it anyway') }]
        }
      : {
          reason: check.reason,
          action: check.action,
          actions: [{ kind: 'exclude', label: trans.__('Untick it') }]
        };
  }
  const blocker = inclusionBlocker(row, context);
  if (blocker) {
    return {
      reason: blocker.reason,
      action: blocker.action,
      actions: [fixAction(blocker, trans)]
    };
  }
  if (row.line !== null) {
    return {
      reason: check?.reason ? `${row.reason} ${check.reason}` : row.reason,
      action: check?.action ?? '',
      actions: []
    };
  }
  if (row.status === 'vendorable') {
    return {
      reason: row.reason,
      action: trans.__('Tick it to copy it into the bundle.'),
      actions: [{ kind: 'vendor', label: trans.__('Copy it into the bundle') }]
    };
  }
  // Excluded by default, or a git install the server builds now that the wheelhouse is on.
  return {
    reason: row.reason,
    action: row.action || trans.__('Tick it to put it in the image.'),
    actions: [{ kind: 'include', label: trans.__('Include it') }]
  };
}
