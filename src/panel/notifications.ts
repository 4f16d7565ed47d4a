/**
 * The notifications of build, push and verify results: one per job, updated in place
 * when its next phase ends (built, then pushed, then verified: one toast that changes
 * instead of three piling up), and the same outcome of the same job never told twice. JupyterLab's Notification in the product; a fake in
 * the tests.
 */
import { ITranslate, plainTranslate } from '../core/shared/text';
import { IBuildJob } from '../core/jobs/buildJob';
import { IPhaseEnd } from './buildModel';

export type NotificationType = 'success' | 'info' | 'error';

export interface INotificationAction {
  label: string;
  callback: () => void;
}

/** What the notifier uses of JupyterLab's Notification. */
export interface INotificationApi {
  emit(
    message: string,
    type: NotificationType,
    options: { autoClose: number | false; actions: INotificationAction[] }
  ): string;
  update(args: {
    id: string;
    message: string;
    type: NotificationType;
    autoClose: number | false;
    actions: INotificationAction[];
  }): boolean;
}

export class JobNotifier {
  constructor(
    private readonly api: INotificationApi,
    /** "Open log": shows the log of that job (its notebook's tab). */
    private readonly openLog: (job: IBuildJob) => void,
    private readonly trans: ITranslate = plainTranslate
  ) {}

  /** Tells how a phase ended, unless this very outcome was told already. */
  phaseEnded({ job, phase, ok }: IPhaseEnd): void {
    const { trans } = this;
    const done: Record<string, string> = {
      build: trans.__('Image %1 built.', job.image),
      push: trans.__('Image pushed as %1.', job.pushed?.reference ?? job.image),
      verify: trans.__('Image %1 verified.', job.image)
    };
    const type: NotificationType = ok
      ? 'success'
      : job.state === 'cancelled'
        ? 'info'
        : 'error';
    const message = ok
      ? (done[phase] ?? job.message)
      : job.error?.message || job.message;
    const outcome = `${job.id}\n${phase}\n${type}\n${message}`;
    if (this._told.has(outcome)) {
      return;
    }
    this._told.add(outcome);
    const options = {
      autoClose:
        type === 'success' ? 8000 : type === 'info' ? 5000 : (false as const),
      actions: [
        { label: trans.__('Open log'), callback: () => this.openLog(job) }
      ]
    };
    const id = this._ids.get(job.id);
    if (id && this.api.update({ id, message, type, ...options })) {
      return;
    }
    this._ids.set(job.id, this.api.emit(message, type, options));
  }

  private _ids = new Map<string, string>();
  private _told = new Set<string>();
}
