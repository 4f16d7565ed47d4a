/**
 * The notebook part of a verification, as the session and the views use it: the settings
 * a Verify sends, the report of each re-executed notebook (the comparison and the
 * diagnosis, made by the core from `job.verification.notebooks` alone, so the same report
 * comes back after a reload), and the verdict lines a download after verifying writes
 * into the bundle's README. DOM-free: jest drives it.
 */
import { IVerifyRequest } from '../core/contract/requests';
import { IBuildJob } from '../core/jobs/buildJob';
import { platformVerifications } from '../core/jobs/platforms';
import {
  compareSelected,
  IReproduction,
  ISelectedPackage
} from '../core/jobs/reproduction';
import { parseSnapshot } from '../core/environment/snapshotParse';
import { isRecord } from '../core/shared/guards';
import { ITranslate } from '../core/shared/text';
import {
  diagnoseNotebook,
  IDiagnosis,
  IDiagnosisContext
} from '../core/verify/diagnose';
import {
  compareNotebookRun,
  INotebookComparison
} from '../core/verify/notebookCompare';
import { INotebookRun, notebookRunsOf } from '../core/verify/notebookRun';
import { IDiffRow } from '../core/verify/textDiff';

/** The settings of Verify (schema/plugin.json: verifyNotebooks, verifyCellTimeout, …). */
export interface IVerifySettings {
  /** Run the bundle's notebooks in the image (false: packages and Jupyter only). */
  notebooks: boolean;
  /** Seconds a cell may run. */
  cellTimeout: number;
  /** Seconds a whole notebook may run. */
  notebookTimeout: number;
  /** Relative tolerance of numbers in the outputs. */
  relativeTolerance: number;
}

/** The schema's defaults. */
export const DEFAULT_VERIFY_SETTINGS: Readonly<IVerifySettings> = {
  notebooks: true,
  cellTimeout: 120,
  notebookTimeout: 600,
  relativeTolerance: 1e-6
};

/** The limits the server accepts (POST builds/{id}/verify). */
const MAX_SECONDS = 86400;

function seconds(value: unknown, fallback: number): number {
  return typeof value === 'number' &&
    Number.isInteger(value) &&
    value >= 1 &&
    value <= MAX_SECONDS
    ? value
    : fallback;
}

/** Settings as they arrive (any may be missing or invalid): each falls back to its default. */
export function verifySettingsOf(
  settings: Partial<Record<keyof IVerifySettings, unknown>> | undefined
): IVerifySettings {
  const tolerance = settings?.relativeTolerance;
  return {
    notebooks:
      typeof settings?.notebooks === 'boolean'
        ? settings.notebooks
        : DEFAULT_VERIFY_SETTINGS.notebooks,
    cellTimeout: seconds(
      settings?.cellTimeout,
      DEFAULT_VERIFY_SETTINGS.cellTimeout
    ),
    notebookTimeout: seconds(
      settings?.notebookTimeout,
      DEFAULT_VERIFY_SETTINGS.notebookTimeout
    ),
    relativeTolerance:
      typeof tolerance === 'number' &&
      Number.isFinite(tolerance) &&
      tolerance > 0 &&
      tolerance <= 1
        ? tolerance
        : DEFAULT_VERIFY_SETTINGS.relativeTolerance
  };
}

/** What one Verify changes against the settings (an action of the report). */
export interface IVerifyOverrides {
  /** Workspace folder bound read-only at /data. */
  dataDir?: string;
  cellTimeout?: number;
  notebookTimeout?: number;
}

/** The body of POST builds/{id}/verify. */
export function verifyRequestOf(
  settings: IVerifySettings,
  overrides: IVerifyOverrides = {}
): IVerifyRequest {
  if (!settings.notebooks) {
    return { notebooks: false };
  }
  const request: IVerifyRequest = {
    notebooks: true,
    cellTimeout: seconds(overrides.cellTimeout, settings.cellTimeout),
    notebookTimeout: seconds(
      overrides.notebookTimeout,
      settings.notebookTimeout
    )
  };
  if (overrides.dataDir !== undefined) {
    request.dataDir = overrides.dataDir;
  }
  return request;
}

/** One re-executed notebook: what ran, how it compares, why it failed. */
export interface INotebookReport {
  run: INotebookRun;
  comparison: INotebookComparison;
  diagnoses: IDiagnosis[];
}

/** What the diagnosis knows besides the run (the session's capture, build and form). */
export type IReportContext = Omit<IDiagnosisContext, 'notebookWorkspacePath'>;

/** The report of every notebook the verification ran, in the server's order. */
export function notebookReports(
  verification: Record<string, unknown> | null | undefined,
  relativeTolerance: number,
  context: IReportContext
): INotebookReport[] {
  return notebookRunsOf(verification).map(run => {
    const comparison = compareNotebookRun(run, { relativeTolerance });
    let diagnoses: IDiagnosis[];
    try {
      diagnoses = diagnoseNotebook(run, comparison, {
        ...context,
        notebookWorkspacePath: run.workspacePath
      });
    } catch (error) {
      // The comparison stands without its diagnosis.
      console.warn('jupyterlab-dockerize: diagnosis failed', error);
      diagnoses = [];
    }
    return { run, comparison, diagnoses };
  });
}

/**
 * notebookReports, made again only when one of its inputs changed (the views ask on
 * every render; a report compares every output and decodes images).
 */
export class ReportCache {
  get(
    verification: Record<string, unknown> | null | undefined,
    relativeTolerance: number,
    context: IReportContext
  ): INotebookReport[] {
    const inputs = [
      verification ?? null,
      relativeTolerance,
      context.snapshot,
      context.selected,
      context.dataFiles.join('\n')
    ];
    const cached = this._cached;
    if (
      cached &&
      cached.inputs.length === inputs.length &&
      cached.inputs.every((value, at) => value === inputs[at])
    ) {
      return cached.reports;
    }
    const reports = notebookReports(verification, relativeTolerance, context);
    this._cached = { inputs, reports };
    return reports;
  }

  private _cached: { inputs: unknown[]; reports: INotebookReport[] } | null =
    null;
}

/** The file name of a workspace or bundle path. */
export function baseName(path: string): string {
  return path.split('/').pop() || path;
}

/** The report's line in the sidebar and in the README: "analysis.ipynb: Notebook …". */
export function reportLine(report: INotebookReport): string {
  return `${baseName(report.run.bundlePath || report.run.workspacePath)}: ${report.comparison.summary}`;
}

/** The README's "Verified" section (IBundleInput.verification). */
export interface IReadmeVerification {
  image: string;
  verifiedAt: string;
  lines: string[];
}

/**
 * The verdict a download after verifying writes into the README: the packages line and
 * one line per notebook; null when the job has no verification with something to say.
 */
export function readmeVerification(
  job: IBuildJob | null,
  reproduction: IReproduction | null,
  reports: readonly INotebookReport[],
  trans: ITranslate
): IReadmeVerification | null {
  if (!job?.verification || job.verification.ok === false) {
    return null;
  }
  const lines: string[] = [];
  if (reproduction) {
    lines.push(
      trans.__(
        'Packages reproduced: %1 of %2',
        reproduction.reproduced,
        reproduction.total
      )
    );
  }
  lines.push(...reports.map(reportLine));
  if (!lines.length) {
    return null;
  }
  return {
    image: job.image,
    verifiedAt: job.timestamps.verified ?? '',
    lines
  };
}

/** One platform's verify in a line (the report and the sidebar). */
export interface IPlatformVerifyLine {
  platform: string;
  emulated: boolean;
  /** The verify found the image right for this platform. */
  ok: boolean;
  text: string;
}

/**
 * A line per platform the verify ran for (`verification` and `verification.byPlatform`):
 * the packages against the selection, Jupyter's token check, the user, the notebooks.
 * [] for a job that names no platform (an older server's).
 */
export function platformVerifyLines(
  job: IBuildJob | null,
  selected: readonly ISelectedPackage[] | null,
  trans: ITranslate
): IPlatformVerifyLine[] {
  return platformVerifications(job)
    .filter(item => item.platform !== '')
    .map(({ platform, emulated, verification }) => {
      const name = emulated ? trans.__('%1 (emulated)', platform) : platform;
      if (verification.ok === false) {
        const error = isRecord(verification.error)
          ? String(verification.error.message ?? '')
          : '';
        return {
          platform,
          emulated,
          ok: false,
          text: error
            ? trans.__('%1: verify failed: %2', name, error)
            : trans.__('%1: verify failed', name)
        };
      }
      const parts: string[] = [];
      let ok = true;
      const reproduction = reproductionOf(verification, selected);
      if (reproduction) {
        ok &&= reproduction.mismatches.length === 0;
        parts.push(
          trans.__(
            'packages reproduced %1 of %2',
            reproduction.reproduced,
            reproduction.total
          )
        );
      }
      const jupyter = isRecord(verification.jupyter)
        ? verification.jupyter
        : {};
      ok &&= jupyter.answered === true;
      parts.push(
        jupyter.answered === true
          ? trans.__('Jupyter answered with its token')
          : trans.__('Jupyter did not answer')
      );
      if (verification.uid !== undefined) {
        parts.push(trans.__('uid %1', String(verification.uid)));
      }
      const runs = notebookRunsOf(verification);
      if (runs.length) {
        const completed = runs.filter(run => run.status === 'completed');
        ok &&= completed.length === runs.length;
        parts.push(
          trans.__(
            'notebooks ran to the end: %1 of %2',
            completed.length,
            runs.length
          )
        );
      }
      return {
        platform,
        emulated,
        ok,
        text: `${name}: ${parts.join(', ')}`
      };
    });
}

function reproductionOf(
  verification: Record<string, unknown>,
  selected: readonly ISelectedPackage[] | null
): IReproduction | null {
  if (!selected || !verification.snapshot) {
    return null;
  }
  try {
    return compareSelected(selected, parseSnapshot(verification.snapshot));
  } catch {
    return null;
  }
}

/** A diff row, or a run of equal rows folded away ("12 equal lines"). */
export type ShownRow = IDiffRow | { kind: 'folded'; count: number };

/**
 * The rows a cell's text diff shows: every changed row with `context` equal rows around
 * it; longer runs of equal rows are folded into one (a 500-line output with one changed
 * number reads as that number).
 */
export function foldRows(rows: readonly IDiffRow[], context = 2): ShownRow[] {
  const keep = rows.map(row => row.kind !== 'same');
  const near = rows.map((_, at) => {
    for (
      let other = Math.max(0, at - context);
      other <= Math.min(rows.length - 1, at + context);
      other++
    ) {
      if (keep[other]) {
        return true;
      }
    }
    return false;
  });
  const shown: ShownRow[] = [];
  let foldedFrom = -1;
  const closeFold = (end: number) => {
    if (foldedFrom >= 0) {
      // A fold of one row hides nothing worth hiding: the row is shown.
      shown.push(
        end - foldedFrom === 1
          ? rows[foldedFrom]
          : { kind: 'folded', count: end - foldedFrom }
      );
      foldedFrom = -1;
    }
  };
  rows.forEach((row, at) => {
    if (near[at]) {
      closeFold(at);
      shown.push(row);
    } else if (foldedFrom < 0) {
      foldedFrom = at;
    }
  });
  closeFold(rows.length);
  return shown;
}
