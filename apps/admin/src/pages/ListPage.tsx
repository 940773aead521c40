import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import type { AnyEntity } from '@typecrud/shared';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useInvalidateAll } from '../api/invalidate.js';
import { usePermissions } from '../api/permissions.js';
import { useEntityApi } from '../api/trpc.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { DeletePreviewView } from '../components/DeletePreview.js';
import { ErrorBanner, ErrorView } from '../components/ErrorView.js';
import { FieldValue } from '../components/FieldValue.js';
import { FilterBar } from '../components/FilterBar.js';
import { isSortable, listColumns, orderTerm } from '../model/columns.js';
import {
  belongsToOf,
  fieldLabel,
  hasArchive,
  humanize,
  labelField,
  pluralTitle,
  type Row,
} from '../model/entities.js';
import { filterSpecs, whereFromFilters } from '../model/filters.js';
import { outcomeOf, summarize } from '../model/outcomes.js';
import { paths } from '../model/routes.js';
import { decodeListState, encodeListState, type ListState, nextSort, pageSizes } from '../model/url-state.js';
import { displayLabel, overridesOf } from '../overrides.js';
import { Link, navigate } from '../router.js';
import { useTitle } from '../title.js';

type Pending = { action: 'archive' | 'restore' | 'delete'; ids: string[]; names: string[] } | undefined;

/** The list query of a list state: filters, sort, the page, the total, archived rows, the listed references. */
export function listInput(entity: AnyEntity, state: ListState, columns: string[]): Record<string, unknown> {
  const where = whereFromFilters(entity, state.filters);
  const include: Record<string, boolean> = {};
  for (const c of columns) {
    const rel = belongsToOf(entity, c);
    if (rel) include[rel.name] = true;
  }
  return {
    ...(Object.keys(where).length ? { where } : {}),
    ...(state.sort ? { orderBy: [orderTerm(entity, state.sort.field, state.sort.dir)] } : {}),
    limit: state.size,
    offset: (state.page - 1) * state.size,
    withTotal: true,
    ...(state.archived ? { withArchived: true } : {}),
    ...(Object.keys(include).length ? { include } : {}),
  };
}

export function ListPage({ entity, search }: { entity: AnyEntity; search: string }) {
  const api = useEntityApi(entity.name);
  const invalidateAll = useInvalidateAll();
  const state = decodeListState(search);
  const columns = useMemo(() => listColumns(entity, overridesOf(entity.name).columns), [entity]);
  const specs = useMemo(() => filterSpecs(entity), [entity]);
  const linkField = labelField(entity) && columns.includes(labelField(entity)!) ? labelField(entity)! : 'id';
  const readOnly = overridesOf(entity.name).readOnly === true;
  const archivable = hasArchive(entity) && !readOnly;
  const plural = pluralTitle(entity.name);
  useTitle(plural);

  const query = useQuery({
    ...api.list.queryOptions(listInput(entity, state, columns)),
    placeholderData: keepPreviousData,
  });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [pending, setPending] = useState<Pending>();
  const [status, setStatus] = useState('');
  useEffect(() => setSelected(new Set()), [entity.name, search]);

  const archive = useMutation(api.archive.mutationOptions());
  const restore = useMutation(api.restore.mutationOptions());
  const remove = useMutation(api.delete.mutationOptions());
  const [actionError, setActionError] = useState<unknown>();
  const [deletable, setDeletable] = useState(false);
  const onPreview = useCallback((ready: boolean) => setDeletable(ready), []);
  const busy = archive.isPending || restore.isPending || remove.isPending;

  // The link column of an entity without a label field shows the row's name (or its short id).
  const columnTitle = (c: string) => (c === 'id' ? humanize(entity.name) : fieldLabel(entity, c));
  const go = (patch: Partial<ListState>) =>
    navigate(paths.list(entity.name, encodeListState({ ...state, ...patch })));

  const run = async (p: NonNullable<Pending>) => {
    setActionError(undefined);
    try {
      // One mutation per row, so each row's outcome is told; the client's batch link carries them together.
      const m = p.action === 'delete' ? remove : p.action === 'archive' ? archive : restore;
      const settled = await Promise.allSettled(
        p.ids.map((id) => m.mutateAsync(p.action === 'delete' ? { id, withArchived: true } : { id })),
      );
      const outcomes = settled.map(outcomeOf);
      const count = outcomes.filter((o) => o === 'done').length;
      if (count === outcomes.length) {
        setStatus(
          p.action === 'delete'
            ? `Deleted ${count} ${count === 1 ? humanize(entity.name).toLowerCase() : plural.toLowerCase()}.`
            : `${p.action === 'archive' ? 'Archived' : 'Restored'} ${p.names.join(', ')}.`,
        );
      } else if (outcomes.length === 1) {
        setStatus('');
        setActionError((settled[0] as PromiseRejectedResult).reason);
      } else {
        setStatus(summarize(p.action, outcomes));
      }
      setSelected(new Set());
    } catch (e) {
      setActionError(e);
    } finally {
      setPending(undefined);
      await invalidateAll();
    }
  };

  const items = query.data?.items ?? [];
  const perms = usePermissions(
    entity,
    items.map((r) => String(r.id)),
  );
  const may = (action: 'update' | 'delete' | 'archive', r: Row) => perms.row(String(r.id))[action];
  const selectable =
    !readOnly &&
    Boolean(perms.entity && (perms.entity.update || perms.entity.delete || perms.entity.archive));
  const total = query.data?.total;
  const lastPage = total !== undefined ? Math.max(1, Math.ceil(total / state.size)) : undefined;
  const allSelected = items.length > 0 && items.every((r) => selected.has(String(r.id)));
  const toggle = (id: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const selectedRows = items.filter((r) => selected.has(String(r.id)));
  const ask = (action: NonNullable<Pending>['action'], rows: Row[]) => {
    setDeletable(false);
    setPending({
      action,
      ids: rows.map((r) => String(r.id)),
      names: rows.map((r) => displayLabel(entity, r)),
    });
  };
  const filtered = Object.keys(state.filters).length > 0;

  return (
    <section aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title" tabIndex={-1}>
          {plural}
        </h1>
        {!readOnly && perms.create && (
          <Link className="button primary" to={paths.create(entity.name)}>
            New {humanize(entity.name).toLowerCase()}
          </Link>
        )}
      </header>
      {entity.description && <p className="muted">{entity.description}</p>}

      <FilterBar specs={specs} value={state.filters} onApply={(filters) => go({ filters, page: 1 })} />

      <div className="toolbar">
        {archivable && (
          <label className="toggle">
            <input
              type="checkbox"
              checked={state.archived}
              onChange={(e) => go({ archived: e.target.checked, page: 1 })}
            />
            Show archived
          </label>
        )}
        <div className="bulk" aria-live="polite">
          {selected.size > 0 && (
            <>
              <span>{selected.size} selected</span>
              {archivable && selectedRows.some((r) => !r.archivedAt && may('archive', r)) && (
                <button
                  type="button"
                  onClick={() =>
                    ask(
                      'archive',
                      selectedRows.filter((r) => !r.archivedAt),
                    )
                  }
                >
                  Archive selected
                </button>
              )}
              {archivable && selectedRows.some((r) => r.archivedAt && may('archive', r)) && (
                <button
                  type="button"
                  onClick={() =>
                    ask(
                      'restore',
                      selectedRows.filter((r) => r.archivedAt),
                    )
                  }
                >
                  Restore selected
                </button>
              )}
              {selectedRows.some((r) => may('delete', r)) && (
                <button type="button" className="danger" onClick={() => ask('delete', selectedRows)}>
                  Delete selected
                </button>
              )}
            </>
          )}
        </div>
      </div>
      <p className="status" role="status">
        {status}
      </p>
      {actionError !== undefined && <ErrorBanner error={actionError} />}

      {query.isError && !query.data ? (
        <ErrorView error={query.error} onRetry={() => query.refetch()} inline />
      ) : query.isPending ? (
        <p className="loading" aria-busy="true">
          Loading {plural.toLowerCase()}…
        </p>
      ) : items.length === 0 ? (
        <div className="empty">
          {filtered ? (
            <p>
              No {plural.toLowerCase()} match these filters.{' '}
              <button type="button" className="link" onClick={() => go({ filters: {}, page: 1 })}>
                Clear filters
              </button>
            </p>
          ) : state.page > 1 ? (
            <p>
              This page is empty.{' '}
              <button type="button" className="link" onClick={() => go({ page: 1 })}>
                Go to the first page
              </button>
            </p>
          ) : (
            <p>
              No {plural.toLowerCase()} yet.{' '}
              {!readOnly && perms.create && (
                <Link to={paths.create(entity.name)}>
                  Create the first {humanize(entity.name).toLowerCase()}
                </Link>
              )}
            </p>
          )}
        </div>
      ) : (
        <>
          {query.isError && <ErrorBanner error={query.error} onRetry={() => query.refetch()} />}
          <div className="table-wrap" aria-busy={query.isFetching}>
            <table>
              <caption className="visually-hidden">
                {plural}
                {state.sort
                  ? `, sorted by ${fieldLabel(entity, state.sort.field)} ${state.sort.dir === 'asc' ? 'ascending' : 'descending'}`
                  : ''}
              </caption>
              <thead>
                <tr>
                  {selectable && (
                    <th className="select">
                      <input
                        type="checkbox"
                        aria-label="Select all on this page"
                        checked={allSelected}
                        onChange={() =>
                          setSelected(allSelected ? new Set() : new Set(items.map((r) => String(r.id))))
                        }
                      />
                    </th>
                  )}
                  {columns.map((c) => {
                    const sortable = isSortable(entity, c);
                    const dir = state.sort?.field === c ? state.sort.dir : undefined;
                    return (
                      <th
                        key={c}
                        aria-sort={dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : undefined}
                      >
                        {sortable ? (
                          <button
                            type="button"
                            className="sort"
                            onClick={() => go({ sort: nextSort(state.sort, c), page: 1 })}
                          >
                            {columnTitle(c)}
                            <span aria-hidden="true">
                              {dir === 'asc' ? ' ▲' : dir === 'desc' ? ' ▼' : ' ↕'}
                            </span>
                          </button>
                        ) : (
                          columnTitle(c)
                        )}
                      </th>
                    );
                  })}
                  {!readOnly && (
                    <th>
                      <span className="visually-hidden">Actions</span>
                    </th>
                  )}
                </tr>
              </thead>
              <tbody>
                {items.map((row) => {
                  const id = String(row.id);
                  const name = displayLabel(entity, row);
                  const archived = Boolean(row.archivedAt);
                  return (
                    <tr key={id} className={archived ? 'archived' : undefined}>
                      {selectable && (
                        <td className="select">
                          <input
                            type="checkbox"
                            aria-label={`Select ${name}`}
                            checked={selected.has(id)}
                            onChange={() => toggle(id)}
                          />
                        </td>
                      )}
                      {columns.map((c) => (
                        <td key={c}>
                          {c === linkField ? (
                            <Link to={paths.detail(entity.name, id)}>{name}</Link>
                          ) : (
                            <FieldValue entity={entity} field={c} row={row} />
                          )}
                          {c === linkField && archived && <span className="badge">Archived</span>}
                        </td>
                      ))}
                      {!readOnly && (
                        <td className="row-actions">
                          {may('update', row) && (
                            <Link to={paths.edit(entity.name, id)} aria-label={`Edit ${name}`}>
                              Edit
                            </Link>
                          )}
                          {archivable && may('archive', row) && (
                            <button
                              type="button"
                              aria-label={`${archived ? 'Restore' : 'Archive'} ${name}`}
                              onClick={() => ask(archived ? 'restore' : 'archive', [row])}
                            >
                              {archived ? 'Restore' : 'Archive'}
                            </button>
                          )}
                          {may('delete', row) && (
                            <button
                              type="button"
                              className="danger"
                              aria-label={`Delete ${name}`}
                              onClick={() => ask('delete', [row])}
                            >
                              Delete
                            </button>
                          )}
                        </td>
                      )}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      )}

      {query.data && (
        <nav className="pager" aria-label="Pages">
          <button type="button" disabled={state.page <= 1} onClick={() => go({ page: state.page - 1 })}>
            ← Previous
          </button>
          <span>
            Page {state.page}
            {lastPage !== undefined ? ` of ${lastPage}` : ''}
            {total !== undefined
              ? ` · ${total} ${total === 1 ? humanize(entity.name).toLowerCase() : plural.toLowerCase()}`
              : ''}
          </span>
          <button
            type="button"
            disabled={lastPage !== undefined ? state.page >= lastPage : !query.data.nextCursor}
            onClick={() => go({ page: state.page + 1 })}
          >
            Next →
          </button>
          <label>
            Per page{' '}
            <select value={state.size} onChange={(e) => go({ size: Number(e.target.value), page: 1 })}>
              {pageSizes.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
        </nav>
      )}

      {pending && (
        <ConfirmDialog
          title={`${pending.action === 'delete' ? 'Delete' : pending.action === 'archive' ? 'Archive' : 'Restore'} ${
            pending.ids.length === 1 ? pending.names[0] : `${pending.ids.length} ${plural.toLowerCase()}`
          }?`}
          confirmLabel={
            pending.action === 'delete' ? 'Delete' : pending.action === 'archive' ? 'Archive' : 'Restore'
          }
          danger={pending.action === 'delete'}
          busy={busy}
          disabled={pending.action === 'delete' && !deletable}
          onCancel={() => setPending(undefined)}
          onConfirm={() => run(pending)}
        >
          {pending.action === 'delete' ? (
            <>
              <DeletePreviewView entity={entity} ids={pending.ids} withArchived onReady={onPreview} />
              {archivable && <p className="muted">Archive instead to hide rows you may want back.</p>}
            </>
          ) : pending.action === 'archive' ? (
            <p>Archived rows are hidden from lists until restored.</p>
          ) : (
            <p>Restored rows show in lists again.</p>
          )}
          {pending.ids.length > 1 && pending.action !== 'delete' && (
            <ul>
              {pending.names.slice(0, 8).map((n, i) => (
                <li key={pending.ids[i]}>{n}</li>
              ))}
              {pending.names.length > 8 && <li>and {pending.names.length - 8} more</li>}
            </ul>
          )}
        </ConfirmDialog>
      )}
    </section>
  );
}
