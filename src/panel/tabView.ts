/** A notebook's tab: which view it shows, and the widget id that makes it one per path. */

/** What the tab shows below its steps. */
export type TabView = 'dockerfile' | 'log' | 'verify';

export const TAB_VIEWS: readonly TabView[] = ['dockerfile', 'log', 'verify'];

export function isTabView(value: unknown): value is TabView {
  return TAB_VIEWS.includes(value as TabView);
}

/**
 * The widget id of a notebook's tab: a valid CSS id, one per path (every character but
 * letters, digits and "-" is escaped as _<hex>_, so two paths never share an id).
 */
export function notebookTabId(path: string): string {
  const escaped = path.replace(
    /[^A-Za-z0-9-]/g,
    char => `_${char.charCodeAt(0).toString(16)}_`
  );
  return `jp-dockerize-tab-${escaped}`;
}
