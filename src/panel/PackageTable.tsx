import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import {
  IPackageRow,
  IRowCheck,
  ITableView,
  rowNote,
  rowOffsets,
  SortKey,
  visibleRows,
  windowSliceByOffsets
} from '../core/environment/packageTable';
import { IRowAction, IRowExplanation } from './rowActions';
import { RichText } from './text';

const ROW_HEIGHT = 38;
/** A row with a warning shows it on two more lines (clamped; the whole text on click). */
const NOTE_ROW_HEIGHT = 68;

/** The third line of a row with a warning: visible without hovering, two lines at most. */
const NOTE_AREAS =
  "'include name status' 'include meta status' 'include note note'";
const NOTE_STYLE: React.CSSProperties = {
  gridArea: 'note',
  display: '-webkit-box',
  WebkitLineClamp: 2,
  WebkitBoxOrient: 'vertical',
  overflow: 'hidden',
  fontSize: 'var(--jp-ui-font-size0)',
  lineHeight: '14px',
  color: 'var(--jp-ui-font-color1)',
  whiteSpace: 'normal',
  overflowWrap: 'anywhere'
};
const COLUMNS: SortKey[] = ['name', 'version', 'source', 'status'];

export interface IPackageTableProps {
  rows: readonly IPackageRow[];
  /** Whether a row is part of the image (its requirement line is written). */
  isIncluded: (row: IPackageRow) => boolean;
  onToggle: (row: IPackageRow, include: boolean) => void;
  /** The pre-flight's verdict on a row, if it has one. */
  checkOf?: (row: IPackageRow) => IRowCheck | null;
  /** Why a row is in or out, and what can be done (shown when a row is chosen). */
  explain?: (row: IPackageRow) => IRowExplanation;
  onAction?: (row: IPackageRow, action: IRowAction) => void;
  trans: TranslationBundle;
}

/** What a chosen row says under the table: its reason and action, always visible. */
function RowDetail(props: {
  row: IPackageRow;
  check: IRowCheck | null;
  explanation: IRowExplanation;
  onAction: (action: IRowAction) => void;
  trans: TranslationBundle;
}) {
  const { row, check, explanation, trans } = props;
  return (
    <div
      className="jp-Dockerize-packageDetail"
      id="jp-Dockerize-packageDetail"
      data-dockerize="package-detail"
      data-package={row.name}
      aria-live="polite"
    >
      <p className="jp-Dockerize-packageDetailTitle">
        <strong>{row.name}</strong> {row.version} · {row.source} ·{' '}
        <span className={`jp-Dockerize-badge jp-mod-${row.status}`}>
          {row.status}
        </span>
        {check && (
          <>
            {' '}
            <span
              className={`jp-Dockerize-badge jp-Dockerize-check jp-mod-check-${check.status}`}
            >
              {check.label}
            </span>
          </>
        )}
      </p>
      <p data-dockerize="package-reason">
        <RichText text={explanation.reason} />
      </p>
      {explanation.action && (
        <p
          className="jp-Dockerize-packageAction"
          data-dockerize="package-action"
        >
          <RichText text={explanation.action} />
        </p>
      )}
      {explanation.actions.length > 0 && (
        <div className="jp-Dockerize-buttons">
          {explanation.actions.map(action => (
            <button
              key={action.kind}
              className="jp-mod-styled jp-mod-accept"
              data-dockerize={`package-do-${action.kind}`}
              onClick={() => props.onAction(action)}
            >
              {action.label}
            </button>
          ))}
        </div>
      )}
      {!explanation.reason && !explanation.action && (
        <p className="jp-Dockerize-muted">{trans.__('Nothing to add.')}</p>
      )}
    </div>
  );
}

function columnLabel(key: SortKey, trans: TranslationBundle): string {
  switch (key) {
    case 'name':
      return trans.__('Package');
    case 'version':
      return trans.__('Version');
    case 'source':
      return trans.__('Source');
    case 'status':
      return trans.__('Status');
  }
}

/**
 * The searchable, sortable package table. Only the rows in view are in the DOM, so a
 * 1,000-package environment scrolls as smoothly as a small one.
 */
export function PackageTable(props: IPackageTableProps): JSX.Element {
  const { trans } = props;
  const [view, setView] = React.useState<ITableView>({
    query: '',
    sortKey: 'name',
    direction: 'ascending'
  });
  const [scrollTop, setScrollTop] = React.useState(0);
  const [chosen, setChosen] = React.useState<string | null>(null);
  const [viewportHeight, setViewportHeight] = React.useState(400);
  const viewport = React.useRef<HTMLDivElement>(null);

  React.useEffect(() => {
    const element = viewport.current;
    if (!element || typeof ResizeObserver === 'undefined') {
      return;
    }
    const observer = new ResizeObserver(() =>
      setViewportHeight(element.clientHeight)
    );
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  const rows = React.useMemo(
    () => visibleRows(props.rows, view),
    [props.rows, view]
  );
  // What each row warns about, shown as text in the row (a taller row).
  const notes = rows.map(row => rowNote(row, props.checkOf?.(row) ?? null));
  const offsets = rowOffsets(
    notes.map(note => (note ? NOTE_ROW_HEIGHT : ROW_HEIGHT))
  );
  const { start, end } = windowSliceByOffsets(
    offsets,
    scrollTop,
    viewportHeight
  );

  const chosenRow = chosen
    ? (props.rows.find(row => row.name === chosen) ?? null)
    : null;
  const choose = (row: IPackageRow) => setChosen(row.name);

  const sortBy = (key: SortKey) =>
    setView(current => ({
      ...current,
      sortKey: key,
      direction:
        current.sortKey === key && current.direction === 'ascending'
          ? 'descending'
          : 'ascending'
    }));

  return (
    <div className="jp-Dockerize-packages">
      <input
        className="jp-mod-styled jp-Dockerize-packageSearch"
        type="search"
        placeholder={trans.__('Search packages')}
        aria-label={trans.__('Search packages')}
        value={view.query}
        onChange={event =>
          setView({ ...view, query: event.currentTarget.value })
        }
      />
      <div className="jp-Dockerize-packageHeader" role="row">
        <span className="jp-Dockerize-sortLabel">{trans.__('Sort:')}</span>
        {COLUMNS.map(key => (
          <button
            key={key}
            className={`jp-Dockerize-packageColumn jp-Dockerize-col-${key}`}
            aria-sort={view.sortKey === key ? view.direction : 'none'}
            onClick={() => sortBy(key)}
          >
            {columnLabel(key, trans)}
            {view.sortKey === key
              ? view.direction === 'ascending'
                ? ' ▲'
                : ' ▼'
              : ''}
          </button>
        ))}
      </div>
      <div
        className="jp-Dockerize-packageViewport"
        ref={viewport}
        role="table"
        aria-rowcount={rows.length}
        data-dockerize="package-table"
        onScroll={event => setScrollTop(event.currentTarget.scrollTop)}
      >
        <div style={{ height: offsets[rows.length], position: 'relative' }}>
          {rows.slice(start, end).map((row, offset) => {
            const index = start + offset;
            const included = props.isIncluded(row);
            const check = props.checkOf?.(row) ?? null;
            const note = notes[index];
            const noteId = `jp-Dockerize-packageNote-${index}`;
            const isChosen = row.name === chosen;
            return (
              <div
                key={row.name}
                className={`jp-Dockerize-packageRow jp-mod-${row.status}${isChosen ? ' jp-mod-chosen' : ''}`}
                role="row"
                aria-rowindex={index + 1}
                aria-selected={isChosen}
                aria-controls={
                  isChosen ? 'jp-Dockerize-packageDetail' : undefined
                }
                tabIndex={0}
                data-package={row.name}
                title={row.reason}
                aria-describedby={note ? noteId : undefined}
                onClick={() => choose(row)}
                onFocus={() => choose(row)}
                onKeyDown={event => {
                  if (
                    event.target === event.currentTarget &&
                    (event.key === 'Enter' || event.key === ' ')
                  ) {
                    event.preventDefault();
                    props.onToggle(row, !included);
                  }
                }}
                style={{
                  position: 'absolute',
                  top: offsets[index],
                  height: offsets[index + 1] - offsets[index],
                  left: 0,
                  right: 0,
                  ...(note ? { gridTemplateAreas: NOTE_AREAS } : {})
                }}
              >
                <span className="jp-Dockerize-packageInclude">
                  <input
                    type="checkbox"
                    checked={included}
                    aria-label={trans.__('Include %1', row.name)}
                    onChange={event => {
                      choose(row);
                      props.onToggle(row, event.currentTarget.checked);
                    }}
                  />
                </span>
                <span className="jp-Dockerize-packageName">{row.name}</span>
                <span className="jp-Dockerize-packageMeta">
                  {row.version} · {row.source}
                </span>
                <span className="jp-Dockerize-packageStatus">
                  <span
                    className={`jp-Dockerize-badge jp-mod-${row.status}`}
                    data-dockerize="package-status"
                  >
                    {row.status}
                  </span>
                  {check && (
                    <span
                      className={`jp-Dockerize-badge jp-Dockerize-check jp-mod-check-${check.status}`}
                      data-dockerize="package-check"
                      data-check={check.status}
                    >
                      {check.label}
                    </span>
                  )}
                </span>
                {note && (
                  <span
                    className="jp-Dockerize-packageNote"
                    id={noteId}
                    data-dockerize="package-note"
                    style={NOTE_STYLE}
                  >
                    <RichText text={note} />
                  </span>
                )}
              </div>
            );
          })}
        </div>
      </div>
      <p className="jp-Dockerize-packageCount" data-dockerize="package-count">
        {trans.__('%1 of %2 packages shown', rows.length, props.rows.length)}
        {!chosenRow && props.explain
          ? ` · ${trans.__('Click a package to see why it is in or out.')}`
          : ''}
      </p>
      {chosenRow && props.explain && (
        <RowDetail
          row={chosenRow}
          check={props.checkOf?.(chosenRow) ?? null}
          explanation={props.explain(chosenRow)}
          onAction={action => props.onAction?.(chosenRow, action)}
          trans={trans}
        />
      )}
    </div>
  );
}
