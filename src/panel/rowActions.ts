/**
 * Why a row of the package table is in or out of the image, and the buttons that change
 * it: what a click on a row shows (a checkbox that cannot tick says why here). Pure.
 */
import { IRowCheck } from '../core/packageTable';
import { IRequirementEntry } from '../core/requirements';
import { ITranslate, plainTranslate } from '../core/text';

export type RowActionKind = 'include' | 'exclude' | 'vendor' | 'wheelhouse';

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

export interface IRowContext {
  /** The offline wheelhouse is on. */
  wheelhouse: boolean;
  /** The template can have a wheelhouse (not conda). */
  wheelhouseAvailable: boolean;
}

/** A git install from a repository on this machine (the server can build it into a wheel). */
function isLocalVcs(row: IRequirementEntry): boolean {
  return (
    row.source === 'vcs' &&
    row.line === null &&
    /repository on this machine/.test(row.reason)
  );
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
  if (row.line !== null) {
    return {
      reason: check?.reason ? `${row.reason} ${check.reason}` : row.reason,
      action: check?.action ?? '',
      actions: []
    };
  }
  if (isLocalVcs(row) && context.wheelhouseAvailable && !context.wheelhouse) {
    return {
      reason: row.reason,
      action: trans.__(
        'Turn on the offline wheelhouse: the server builds it into a wheel.'
      ),
      actions: [
        {
          kind: 'wheelhouse',
          label: trans.__('Turn on the offline wheelhouse')
        }
      ]
    };
  }
  switch (row.status) {
    case 'excluded':
      return {
        reason: row.reason,
        action: trans.__('Tick it to put it in the image.'),
        actions: [{ kind: 'include', label: trans.__('Include it') }]
      };
    case 'vendorable':
      return {
        reason: row.reason,
        action: trans.__('Tick it to copy it into the bundle.'),
        actions: [
          { kind: 'vendor', label: trans.__('Copy it into the bundle') }
        ]
      };
    default:
      return {
        reason: row.reason,
        action: trans.__(
          'It cannot be included as installed; reinstall it from a package index or inside the Jupyter folder, then capture again.'
        ),
        actions: []
      };
  }
}
