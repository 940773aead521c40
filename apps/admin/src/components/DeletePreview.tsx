import { useQuery } from '@tanstack/react-query';
import type { DeleteEffect, DeletePreview } from '@typecrud/server';
import type { AnyEntity } from '@typecrud/shared';
import { useEffect } from 'react';
import { useEntityApi } from '../api/trpc.js';
import { entityOf, fieldLabel, humanize, pluralTitle } from '../model/entities.js';
import { describeError } from '../model/errors.js';

const noun = (entity: string, n: number) => (n === 1 ? humanize(entity) : pluralTitle(entity)).toLowerCase();

/** The first labels of an effect, with "and N more" (hidden rows are counted, never named). */
function names(e: DeleteEffect): string {
  const shown = e.first.map((r) => r.label ?? r.id.slice(0, 8));
  const rest = e.count - shown.length;
  if (!shown.length) return e.hidden ? ` (${e.hidden} you cannot see)` : '';
  return `: ${shown.join(', ')}${rest > 0 ? ` and ${rest} more` : ''}${e.hidden ? ` (${e.hidden} you cannot see)` : ''}`;
}

/** One line per effect, as the dialog says it. */
export function effectLine(e: DeleteEffect): string {
  const what = `${e.count} ${noun(e.entity, e.count)}`;
  const target = entityOf(e.entity);
  const field = (target ? fieldLabel(target, e.via) : e.via).toLowerCase();
  switch (e.action) {
    case 'cascade':
      return `${what} will be deleted with it${names(e)}`;
    case 'setNull':
      return `${what} will keep existing with ${field} cleared${names(e)}`;
    case 'restrict':
      return `${what} still refer to it by ${field}, so it cannot be deleted until they are moved or deleted${names(e)}`;
    case 'unlink':
      return `${e.count} ${e.count === 1 ? 'link' : 'links'} to ${pluralTitle(e.entity).toLowerCase()} will be removed`;
  }
}

/**
 * What a delete will remove, asked of the server before the click: the rows the caller may
 * delete, those it may not, and per related entity what cascades, what is cleared and what
 * blocks. `onReady` says whether the delete can go ahead (false while loading or when blocked).
 */
export function DeletePreviewView({
  entity,
  ids,
  withArchived,
  onReady,
}: {
  entity: AnyEntity;
  ids: string[];
  withArchived?: boolean;
  onReady(ready: boolean, preview: DeletePreview | undefined): void;
}) {
  const api = useEntityApi(entity.name);
  const query = useQuery({
    ...api.deletePreview.queryOptions({ ids, ...(withArchived ? { withArchived } : {}) }),
    staleTime: 0,
    gcTime: 0,
  });
  const p = query.data;
  const ready = Boolean(p && !p.blocked && p.rows.length > 0);
  useEffect(() => onReady(ready, p), [ready, p, onReady]);
  if (query.isError)
    return (
      <p className="field-error" role="alert">
        Could not tell what this removes: {describeError(query.error).message}
      </p>
    );
  if (!p)
    return (
      <p className="loading" aria-busy="true">
        Checking what this removes…
      </p>
    );
  const cascades = p.effects.filter((e) => e.action !== 'restrict');
  const blocks = p.effects.filter((e) => e.action === 'restrict');
  return (
    <div className="delete-preview" data-testid="delete-preview">
      {p.rows.length > 0 ? (
        <p>
          {p.rows.length === 1 && ids.length === 1
            ? 'This cannot be undone.'
            : `${p.rows.length} ${noun(entity.name, p.rows.length)} will be deleted. This cannot be undone.`}
        </p>
      ) : (
        <p className="field-error">Nothing here can be deleted by you.</p>
      )}
      {p.notAllowed.length > 0 && (
        <p className="warning">
          You may not delete {p.notAllowed.length === 1 ? 'this' : 'these'}{' '}
          {noun(entity.name, p.notAllowed.length)}:{' '}
          {p.notAllowed.map((r) => r.label ?? r.id.slice(0, 8)).join(', ')}.
        </p>
      )}
      {p.rows.length > 0 &&
        (cascades.length ? (
          <ul className="effects" aria-label="What else changes">
            {cascades.map((e) => (
              <li key={`${e.entity}.${e.via}.${e.action}`} className={e.action}>
                {effectLine(e)}.
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">Nothing else is deleted or changed.</p>
        ))}
      {blocks.length > 0 && (
        <ul className="effects blocked" role="alert" aria-label="What stops the delete">
          {blocks.map((e) => (
            <li key={`${e.entity}.${e.via}`}>{effectLine(e)}.</li>
          ))}
        </ul>
      )}
    </div>
  );
}
