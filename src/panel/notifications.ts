/**
 * The notifications of build, push and verify results: one per job, updated in place
 * when its next phase ends (built, then pushed, then verified: one toast that changes
 * instead of three piling up), and the same outcome of the same job never told twice.
 * A toast that has closed by itself is not shown again by an update, so a phase that ends
 * after that (a verify that re-runs the notebooks takes a while) replaces the job's
 * notification with a new one. JupyterLab's Notification in the product; a fake in the
 * tests.
 */
import { ITranslate, plainTranslate } from '../core/shared/text';
import { IBuildJob } from '../core/jobs/buildJob';
import { platformList, pushedPlatforms } from '../core/jobs/platforms';
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
  dismiss(id: string): void;
}

export class JobNotifier {
  constructor(
    private readonly api: INotificationApi,
    /** "Open log": shows the log of that job (its notebook's tab). */
    private readonly openLog: (job: IBuildJob) => void,
    private readonly trans: ITranslate = plainTranslate,
    private readonly now: () => number = Date.now
  ) {}

  /** Tells how a phase ended, unless this very outcome was told already. */
  phaseEnded({ job, phase, ok }: IPhaseEnd): void {
    const { trans } = this;
    const done: Record<string, string> = {
      build: trans.__('Image %1 built.', job.image),
      push: this._pushed(job),
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
    const shown = this._shown.get(job.id);
    const closesAt = (autoClose: number | false) =>
      autoClose === false ? null : this.now() + autoClose;
    if (shown) {
      const onScreen = shown.closesAt === null || this.now() < shown.closesAt;
      if (
        onScreen &&
        this.api.update({ id: shown.id, message, type, ...options })
      ) {
        shown.closesAt = closesAt(options.autoClose);
        return;
      }
      this.api.dismiss(shown.id);
    }
    this._shown.set(job.id, {
      id: this.api.emit(message, type, options),
      closesAt: closesAt(options.autoClose)
    });
  }

  /** "Image pushed as …", naming the platforms of a manifest list. */
  private _pushed(job: IBuildJob): string {
    const reference = job.pushed?.reference ?? job.image;
    const platforms = pushedPlatforms(job).map(item => item.platform);
    return platforms.length > 1
      ? this.trans.__(
          'Image pushed as %1 for %2.',
          reference,
          platformList(platforms)
        )
      : this.trans.__('Image pushed as %1.', reference);
  }

  /** Per job: its notification, and when its toast closes by itself (null: it stays). */
  private _shown = new Map<string, { id: string; closesAt: number | null }>();
  private _told = new Set<string>();
}
