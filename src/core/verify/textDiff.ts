/**
 * A saved and a produced text laid out side by side, line against line, for the report
 * view: equal lines once on both sides, a changed run of lines paired row by row, and
 * what is left of an uneven run shown alone on its side.
 */
import { diffLines } from 'diff';

export interface IDiffRow {
  kind: 'same' | 'changed' | 'removed' | 'added';
  saved: string;
  produced: string;
}

function linesOf(value: string): string[] {
  const lines = value.split('\n');
  if (lines[lines.length - 1] === '') {
    lines.pop();
  }
  return lines;
}

/** Aligning two very different long texts is quadratic; past this, rows are paired in order. */
const DIFF_TIME_LIMIT_MS = 200;

export function sideBySide(saved: string, produced: string): IDiffRow[] {
  const rows: IDiffRow[] = [];
  let removed: string[] = [];
  const flush = (added: string[]) => {
    const paired = Math.min(removed.length, added.length);
    for (let i = 0; i < paired; i++) {
      rows.push({ kind: 'changed', saved: removed[i], produced: added[i] });
    }
    for (const line of removed.slice(paired)) {
      rows.push({ kind: 'removed', saved: line, produced: '' });
    }
    for (const line of added.slice(paired)) {
      rows.push({ kind: 'added', saved: '', produced: line });
    }
    removed = [];
  };
  // Texts compared whole line by line; a missing final newline is not a difference.
  const withNewline = (text: string) =>
    text === '' || text.endsWith('\n') ? text : `${text}\n`;
  const changes = diffLines(withNewline(saved), withNewline(produced), {
    timeout: DIFF_TIME_LIMIT_MS
  }) ?? [
    // Too different to align in time: the two texts whole, paired line by line.
    { value: withNewline(saved), removed: true, added: false, count: 0 },
    { value: withNewline(produced), removed: false, added: true, count: 0 }
  ];
  for (const change of changes) {
    const lines = linesOf(change.value);
    if (change.removed) {
      flush([]);
      removed = lines;
    } else if (change.added) {
      flush(lines);
    } else {
      flush([]);
      for (const line of lines) {
        rows.push({ kind: 'same', saved: line, produced: line });
      }
    }
  }
  flush([]);
  return rows;
}
