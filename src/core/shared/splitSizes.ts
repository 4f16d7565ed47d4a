/**
 * Room for a sidebar in a split of panels (JupyterLab's left area, main area, right
 * area): the pixel widths after widening one of them, the room taken from another.
 */

/**
 * The widths after making `widths[index]` `target` pixels wide, taking the room from
 * `widths[donor]`, which keeps at least `donorMin` (it gives what it can above that).
 * Null when the panel is already that wide or the donor has nothing to give.
 */
export function widenedSizes(
  widths: readonly number[],
  index: number,
  target: number,
  donor: number,
  donorMin: number
): number[] | null {
  const current = widths[index];
  const room = widths[donor] - donorMin;
  if (current === undefined || current >= target || room <= 0) {
    return null;
  }
  const gain = Math.min(target - current, room);
  const next = [...widths];
  next[index] = current + gain;
  next[donor] = widths[donor] - gain;
  return next;
}
