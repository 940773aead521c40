import { useMutation, useQuery } from '@tanstack/react-query';
import type { AnyEntity, ResolvedRelation } from '@typecrud/shared';
import { useCallback, useState } from 'react';
import { useInvalidateAll } from '../api/invalidate.js';
import { usePermissions } from '../api/permissions.js';
import { useAuthApi, useEntityApi } from '../api/trpc.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { DeletePreviewView } from '../components/DeletePreview.js';
import { ErrorBanner, ErrorView } from '../components/ErrorView.js';
import { FieldValue } from '../components/FieldValue.js';
import { PasswordForm } from '../components/PasswordForm.js';
import {
  adminSchema,
  fieldLabel,
  fieldsOf,
  hasArchive,
  humanize,
  pluralTitle,
  type Row,
  relationsOf,
} from '../model/entities.js';
import { paths } from '../model/routes.js';
import { encodeListState } from '../model/url-state.js';
import { displayLabel, overridesOf } from '../overrides.js';
import { Link, navigate } from '../router.js';
import { useTitle } from '../title.js';

const RELATED_LIMIT = 10;

/** Every relation, embedded in the one get: to-one rows, and the first rows of each to-many. */
function detailInclude(entity: AnyEntity): Record<string, unknown> {
  const include: Record<string, unknown> = {};
  for (const rel of relationsOf(entity)) {
    include[rel.name] = rel.kind === 'hasMany' || rel.kind === 'manyToMany' ? { limit: RELATED_LIMIT } : true;
  }
  return include;
}

function RelationSection({ rel, row }: { rel: ResolvedRelation; row: Row }) {
  const target = rel.target;
  const value = row[rel.name];
  const id = String(row.id);
  const title = humanize(rel.name);
  let body: React.ReactNode;
  if (rel.kind === 'hasMany' || rel.kind === 'manyToMany') {
    const rows = Array.isArray(value) ? (value as Row[]) : [];
    body = (
      <>
        {rows.length === 0 ? (
          <p className="muted">None.</p>
        ) : (
          <ul className="related">
            {rows.map((r) => (
              <li key={String(r.id)}>
                <Link to={paths.detail(target.name, String(r.id))}>{displayLabel(target, r)}</Link>
              </li>
            ))}
          </ul>
        )}
        {rel.kind === 'hasMany' && rel.field && (
          <p className="related-actions">
            <Link
              to={paths.list(
                target.name,
                encodeListState({ page: 1, size: 20, archived: false, filters: { [rel.field]: id } }),
              )}
            >
              All {pluralTitle(target.name).toLowerCase()} of this {humanize(rel.source.name).toLowerCase()}
            </Link>
            <Link to={`${paths.create(target.name)}?${new URLSearchParams({ [rel.field]: id })}`}>
              Add {humanize(target.name).toLowerCase()}
            </Link>
          </p>
        )}
        {rel.kind === 'manyToMany' && rows.length >= RELATED_LIMIT && (
          <p className="muted">Showing the first {RELATED_LIMIT}.</p>
        )}
      </>
    );
  } else {
    const related = value as Row | null | undefined;
    body = related ? (
      <p>
        <Link to={paths.detail(target.name, String(related.id))}>{displayLabel(target, related)}</Link>
      </p>
    ) : (
      <p className="muted">
        None.{' '}
        {rel.kind === 'hasOne' && rel.field && (
          <Link to={`${paths.create(target.name)}?${new URLSearchParams({ [rel.field]: id })}`}>
            Add {humanize(target.name).toLowerCase()}
          </Link>
        )}
      </p>
    );
  }
  return (
    <section className="relation" aria-label={title}>
      <h2>{title}</h2>
      {body}
    </section>
  );
}

/** A superadmin sets a user's password (a user created here has none until then); that user's sessions end. */
function SetPasswordSection({ userId, name }: { userId: string; name: string }) {
  const auth = useAuthApi();
  const set = useMutation(auth.setPassword.mutationOptions());
  return (
    <section className="relation" aria-labelledby="set-password">
      <h2 id="set-password">Set password</h2>
      <PasswordForm
        submitLabel="Set password"
        busyLabel="Setting…"
        onSubmit={async ({ password }) => {
          await set.mutateAsync({ userId, password });
          return `Password set. ${name} signs in with it from now on; their other sessions were signed out.`;
        }}
      />
    </section>
  );
}

/** One row: every field, its relations linked, and its actions. */
export function DetailPage({ entity, id }: { entity: AnyEntity; id: string }) {
  const api = useEntityApi(entity.name);
  const invalidateAll = useInvalidateAll();
  const query = useQuery(api.get.queryOptions({ id, include: detailInclude(entity), withArchived: true }));
  const archive = useMutation(api.archive.mutationOptions());
  const restore = useMutation(api.restore.mutationOptions());
  const remove = useMutation(api.delete.mutationOptions());
  const [pending, setPending] = useState<'archive' | 'restore' | 'delete'>();
  const [failure, setFailure] = useState<unknown>();
  const [deletable, setDeletable] = useState(false);
  const onPreview = useCallback((ready: boolean) => setDeletable(ready), []);
  const perms = usePermissions(entity, [id]);
  const may = perms.row(id);
  const auth = useAuthApi();
  const me = useQuery({ ...auth.me.queryOptions(undefined), staleTime: 5 * 60_000, retry: false });
  const isPrincipal = entity.name === adminSchema.options.principal;
  useTitle(
    query.data
      ? `${displayLabel(entity, query.data)} · ${pluralTitle(entity.name)}`
      : pluralTitle(entity.name),
  );

  if (query.isError) return <ErrorView error={query.error} onRetry={() => query.refetch()} />;
  if (!query.data) {
    return (
      <p className="loading" aria-busy="true">
        Loading {humanize(entity.name).toLowerCase()}…
      </p>
    );
  }
  const row = query.data;
  const archived = Boolean(row.archivedAt);
  const name = displayLabel(entity, row);

  const run = async (action: 'archive' | 'restore' | 'delete') => {
    setFailure(undefined);
    try {
      if (action === 'delete') {
        await remove.mutateAsync({ id, withArchived: true });
        setPending(undefined);
        navigate(paths.list(entity.name));
        await invalidateAll();
        return;
      }
      await (action === 'archive' ? archive : restore).mutateAsync({ id });
      await invalidateAll();
    } catch (e) {
      setFailure(e);
    }
    setPending(undefined);
  };

  return (
    <section aria-labelledby="page-title">
      <p className="crumbs">
        <Link to={paths.list(entity.name)}>{pluralTitle(entity.name)}</Link> /
      </p>
      <header className="page-header">
        <h1 id="page-title" tabIndex={-1}>
          {name} {archived && <span className="badge">Archived</span>}
        </h1>
        {!overridesOf(entity.name).readOnly && (may.update || may.archive || may.delete) && (
          <div className="actions">
            {may.update && (
              <Link className="button primary" to={paths.edit(entity.name, id)}>
                Edit
              </Link>
            )}
            {hasArchive(entity) && may.archive && (
              <button type="button" onClick={() => setPending(archived ? 'restore' : 'archive')}>
                {archived ? 'Restore' : 'Archive'}
              </button>
            )}
            {may.delete && (
              <button
                type="button"
                className="danger"
                onClick={() => {
                  setDeletable(false);
                  setPending('delete');
                }}
              >
                Delete
              </button>
            )}
          </div>
        )}
      </header>
      {failure !== undefined && <ErrorBanner error={failure} />}
      <dl className="fields">
        {[
          ...fieldsOf(entity).filter(([, c]) => !c.system),
          ...fieldsOf(entity).filter(([, c]) => c.system),
        ].map(([field]) => (
          <div key={field}>
            <dt>{fieldLabel(entity, field)}</dt>
            <dd>
              <FieldValue entity={entity} field={field} row={row} resolve />
            </dd>
          </div>
        ))}
      </dl>
      {relationsOf(entity).map((rel) => (
        <RelationSection key={rel.name} rel={rel} row={row} />
      ))}
      {isPrincipal && me.data?.superadmin && !archived && <SetPasswordSection userId={id} name={name} />}
      {pending && (
        <ConfirmDialog
          title={`${pending === 'delete' ? 'Delete' : pending === 'archive' ? 'Archive' : 'Restore'} ${name}?`}
          confirmLabel={pending === 'delete' ? 'Delete' : pending === 'archive' ? 'Archive' : 'Restore'}
          danger={pending === 'delete'}
          busy={archive.isPending || restore.isPending || remove.isPending}
          disabled={pending === 'delete' && !deletable}
          onCancel={() => setPending(undefined)}
          onConfirm={() => run(pending)}
        >
          {pending === 'delete' ? (
            <DeletePreviewView entity={entity} ids={[id]} withArchived onReady={onPreview} />
          ) : (
            <p>
              {pending === 'archive'
                ? 'It will be hidden from lists until restored.'
                : 'It will show in lists again.'}
            </p>
          )}
        </ConfirmDialog>
      )}
    </section>
  );
}
