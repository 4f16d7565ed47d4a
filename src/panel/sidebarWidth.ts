/**
 * Opens the panel's sidebar at a readable width. JupyterLab sizes its sidebars through
 * the split panel that holds them (the layout restorer saves those sizes), not through
 * the CSS of what they hold, and its shell has no public call for the width: the split
 * is found by walking up from the panel, as Galata's `sidebar.setWidth` drags its handle.
 */
import { Widget } from '@lumino/widgets';

import { widenedSizes } from '../core/shared/splitSizes';

/** The part of Lumino's SplitPanel this uses. */
interface ISplit {
  readonly widgets: readonly Widget[];
  readonly orientation: string;
  setRelativeSizes(sizes: number[]): void;
}

function isSplit(widget: Widget): widget is Widget & ISplit {
  const split = widget as Partial<ISplit>;
  return (
    typeof split.setRelativeSizes === 'function' &&
    Array.isArray(split.widgets) &&
    split.orientation === 'horizontal'
  );
}

/** The main area keeps at least this much room. */
const MAIN_AREA_MIN = 400;

/**
 * Widens the sidebar that holds `panel` to `width` pixels (room taken from the main
 * area, the split's widest other child). Returns false when it was wide enough already
 * or nothing could be done (no split: another shell).
 */
export function widenSidebar(panel: Widget, width: number): boolean {
  let child: Widget = panel;
  let parent = panel.parent;
  while (parent && !isSplit(parent)) {
    child = parent;
    parent = parent.parent;
  }
  if (!parent) {
    return false;
  }
  const widths = parent.widgets.map(widget =>
    widget.isVisible ? widget.node.getBoundingClientRect().width : 0
  );
  const index = parent.widgets.indexOf(child);
  let donor = -1;
  widths.forEach((size, at) => {
    if (at !== index && (donor < 0 || size > widths[donor])) {
      donor = at;
    }
  });
  // The sidebar's own chrome (its tab bar) is part of the child: count the panel only.
  const chrome = widths[index] - panel.node.getBoundingClientRect().width;
  const sizes = widenedSizes(
    widths,
    index,
    width + Math.max(0, chrome),
    donor,
    MAIN_AREA_MIN
  );
  if (!sizes) {
    return false;
  }
  parent.setRelativeSizes(sizes);
  return true;
}
