import { Kernel, KernelMessage } from '@jupyterlab/services';

import { readCaptureOutput } from './core/environment/snapshotParse';
import { ITranslate, plainTranslate } from './core/shared/text';
import { IEnvironmentSnapshot } from './core/environment/snapshot';
import { CaptureAction, IProblem } from './tokens';

export class CaptureError extends Error {
  constructor(
    readonly problem: IProblem,
    readonly action: CaptureAction | null = null
  ) {
    super(problem.message);
    this.name = 'CaptureError';
  }
}

const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * A User Timing mark (`dockerize:capture:<step>`), read by the capture-speed Galata test
 * and the bench to say where the time from the click to the table goes. A no-op where
 * there is no `performance.mark` (old Node in jest).
 */
export function markCapture(step: string): void {
  if (typeof performance !== 'undefined' && performance.mark) {
    performance.mark(`dockerize:capture:${step}`);
  }
}

function timeout<T>(
  promise: Promise<T>,
  ms: number,
  onTimeout: () => Error
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** Refuses kernels that are not Python before anything runs in them. */
async function checkPythonKernel(
  kernel: Kernel.IKernelConnection,
  trans: ITranslate
): Promise<void> {
  const info = await kernel.info;
  const language = info.language_info?.name ?? 'unknown';
  if (language.toLowerCase() !== 'python') {
    throw new CaptureError({
      code: 'kernel_not_python',
      message: trans.__(
        "This notebook's kernel runs %1, and capture reads Python environments only.",
        language
      ),
      hint: trans.__(
        'Switch the notebook to a Python kernel (Kernel › Change Kernel…), or list its packages by hand in the generated requirements.txt.'
      )
    });
  }
}

/**
 * Runs the capture snippet silently (no history, no output in the notebook) in the
 * notebook's own kernel and returns its EnvironmentSnapshot.
 */
export async function captureEnvironment(
  kernel: Kernel.IKernelConnection | null | undefined,
  code: string,
  trans: ITranslate = plainTranslate,
  timeoutMs = DEFAULT_TIMEOUT_MS
): Promise<IEnvironmentSnapshot> {
  if (!kernel || kernel.isDisposed || kernel.status === 'dead') {
    throw new CaptureError(
      {
        code: 'kernel_not_running',
        message: trans.__("The notebook's kernel is not running."),
        hint: trans.__(
          'Start the kernel, then capture again: the environment is read from the running kernel.'
        )
      },
      'start-kernel'
    );
  }
  await checkPythonKernel(kernel, trans);

  let stdout = '';
  markCapture('execute');
  const future = kernel.requestExecute(
    {
      code,
      silent: true,
      store_history: false,
      allow_stdin: false,
      stop_on_error: false
    },
    true
  );
  future.onIOPub = (message: KernelMessage.IIOPubMessage) => {
    if (
      KernelMessage.isStreamMsg(message) &&
      message.content.name === 'stdout'
    ) {
      stdout += message.content.text;
    }
  };
  const reply = await timeout(
    future.done,
    timeoutMs,
    () =>
      new CaptureError(
        {
          code: 'capture_timeout',
          message: trans.__(
            'The kernel did not finish the capture within %1 s.',
            Math.round(timeoutMs / 1000)
          ),
          hint: trans.__(
            'The kernel may be busy running a cell: wait for it (or interrupt it), then capture again.'
          )
        },
        'retry'
      )
  ).catch(error => {
    future.dispose();
    throw error;
  });
  markCapture('reply');
  if (reply.content.status !== 'ok') {
    const content = reply.content as KernelMessage.IReplyErrorContent;
    throw new CaptureError(
      {
        code: 'capture_failed',
        message: trans
          .__(
            'The capture failed in the kernel: %1: %2',
            content.ename ?? 'error',
            content.evalue ?? ''
          )
          .trim(),
        hint: trans.__(
          'Restart the kernel and capture again; if it persists, report it with this message.'
        )
      },
      'retry'
    );
  }
  const output = readCaptureOutput(stdout);
  markCapture('parsed');
  if (output.kind === 'error') {
    throw new CaptureError(
      {
        code: 'capture_failed',
        message: trans.__(
          'The capture could not read this environment: %1',
          output.message
        ),
        hint: trans.__(
          'Restart the kernel and capture again; if it persists, report it with this message.'
        )
      },
      'retry'
    );
  }
  return output.snapshot;
}
