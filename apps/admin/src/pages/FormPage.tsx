import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { AnyEntity } from '@typecrud/shared';
import { type FormEvent, useId, useMemo, useRef, useState } from 'react';
import { useInvalidateAll } from '../api/invalidate.js';
import { usePermissions } from '../api/permissions.js';
import { useEntityApi } from '../api/trpc.js';
import { ErrorBanner, ErrorView } from '../components/ErrorView.js';
import { FieldInput, fieldId } from '../components/FieldInput.js';
import { fieldLabel, hasVersion, humanize, type Row, relationsOf } from '../model/entities.js';
import { describeError } from '../model/errors.js';
import {
  changedFields,
  type FormFieldSpec,
  type FormMode,
  type FormValue,
  type FormValues,
  formFields,
  initialValues,
  toInput,
  validateInput,
} from '../model/form-model.js';
import { paths } from '../model/routes.js';
import { displayLabel } from '../overrides.js';
import { Link, navigate } from '../router.js';
import { useTitle } from '../title.js';

/** The get input of an edit: the row with its many-to-many ids (the form sets them), archived or not. */
function editQuery(entity: AnyEntity, id: string) {
  const include: Record<string, boolean> = {};
  for (const rel of relationsOf(entity)) if (rel.kind === 'manyToMany') include[rel.name] = true;
  return { id, withArchived: true, ...(Object.keys(include).length ? { include } : {}) };
}

/** The create page (`/project/new`, prefilled from the query string) or the edit page of one row. */
export function FormPage({ entity, id, search }: { entity: AnyEntity; id?: string; search: string }) {
  const mode: FormMode = id ? 'update' : 'create';
  const api = useEntityApi(entity.name);
  const specs = useMemo(() => formFields(entity.name, mode), [entity.name, mode]);
  const row = useQuery({
    ...api.get.queryOptions(editQuery(entity, id ?? '')),
    enabled: Boolean(id),
    staleTime: 0,
  });
  if (id) {
    if (row.isError) return <ErrorView error={row.error} onRetry={() => row.refetch()} />;
    if (!row.data) {
      return (
        <p className="loading" aria-busy="true">
          Loading…
        </p>
      );
    }
  }
  const prefill: Row = {};
  if (!id)
    for (const [k, v] of new URLSearchParams(search)) if (specs.some((s) => s.name === k)) prefill[k] = v;
  return (
    <EntityForm
      key={id ?? 'new'}
      entity={entity}
      mode={mode}
      specs={specs}
      row={id ? row.data : undefined}
      prefill={prefill}
    />
  );
}

interface EntityFormProps {
  entity: AnyEntity;
  mode: FormMode;
  specs: FormFieldSpec[];
  row: Row | undefined;
  prefill: Row;
}

function EntityForm({ entity, mode, specs, row, prefill }: EntityFormProps) {
  const api = useEntityApi(entity.name);
  const queryClient = useQueryClient();
  const invalidateAll = useInvalidateAll();
  const idPrefix = useId();
  const formRef = useRef<HTMLFormElement>(null);
  const id = row ? String(row.id) : undefined;
  const name = humanize(entity.name);
  useTitle(mode === 'create' ? `New ${name.toLowerCase()}` : `Edit ${displayLabel(entity, row)}`);

  const [baseline, setBaseline] = useState<FormValues>(() => ({
    ...initialValues(specs, row),
    ...stringsOnly(prefill),
  }));
  const [values, setValues] = useState<FormValues>(baseline);
  const [version, setVersion] = useState<number | undefined>(
    row && typeof row.version === 'number' ? row.version : undefined,
  );
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>();
  const [conflict, setConflict] = useState<{ currentVersion?: number } | undefined>();
  const [notice, setNotice] = useState('');

  const perms = usePermissions(entity, id ? [id] : []);
  // known and refused: say so before anything is typed (a create rule that depends on the row is checked on save)
  const refused = perms.known && (mode === 'create' ? !perms.create : !perms.row(id!).update);
  const create = useMutation(api.create.mutationOptions());
  const update = useMutation(api.update.mutationOptions());
  const saving = create.isPending || update.isPending;

  const changed = mode === 'update' ? changedFields(specs, values, baseline) : undefined;
  const { input, errors: parseErrors } = toInput(specs, values, mode, changed);
  // The same DTO the server parses with: the messages beside the fields are the server's.
  const schemaErrors = changed?.length === 0 ? {} : validateInput(entity.name, mode, input, id);
  const clientErrors: Record<string, string> = { ...schemaErrors, ...parseErrors };
  const errorOf = (field: string) =>
    serverErrors[field] ?? (touched.has(field) || submitted ? clientErrors[field] : undefined);

  const setValue = (field: string, value: FormValue) => {
    setValues((v) => ({ ...v, [field]: value }));
    setServerErrors(({ [field]: _gone, ...rest }) => rest);
  };
  const touch = (field: string) => setTouched((t) => (t.has(field) ? t : new Set(t).add(field)));

  const focusFirstError = (errors: Record<string, string>) => {
    const first = specs.find((s) => errors[s.name]);
    if (first) document.getElementById(fieldId(idPrefix, first.name))?.focus();
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    setFailure(undefined);
    setNotice('');
    if (mode === 'update' && changed?.length === 0) {
      setNotice('Nothing has changed.');
      return;
    }
    if (Object.keys(clientErrors).some((k) => k !== '')) {
      focusFirstError(clientErrors);
      return;
    }
    try {
      const saved =
        mode === 'create'
          ? await create.mutateAsync(input)
          : await update.mutateAsync({
              id: id!,
              data: input,
              ...(hasVersion(entity) && version !== undefined ? { expectedVersion: version } : {}),
            });
      await invalidateAll();
      navigate(paths.detail(entity.name, String(saved.id)));
    } catch (err) {
      const described = describeError(err);
      if (described.kind === 'conflict' && described.currentVersion !== undefined) {
        setConflict({ currentVersion: described.currentVersion });
        return;
      }
      if (described.kind === 'unauthorized') return;
      if (Object.keys(described.fields).length > 0) {
        setServerErrors(described.fields);
        focusFirstError(described.fields);
      }
      setFailure(err);
    }
  };

  /** Reads the row as it is now and puts the user's edits back on top of it, with its new version. */
  const reloadAndReapply = async () => {
    if (!id) return;
    try {
      const fresh = await queryClient.fetchQuery({
        ...api.get.queryOptions(editQuery(entity, id)),
        staleTime: 0,
      });
      const edits = changedFields(specs, values, baseline);
      const nextBaseline = initialValues(specs, fresh);
      setBaseline(nextBaseline);
      setValues({ ...nextBaseline, ...Object.fromEntries(edits.map((f) => [f, values[f]!])) });
      setVersion(typeof fresh.version === 'number' ? fresh.version : undefined);
      setConflict(undefined);
      setNotice(
        `Loaded the latest version (${String(fresh.version ?? '')}).${
          edits.length
            ? ` Your changes to ${edits.map((f) => fieldLabel(entity, f)).join(', ')} are applied on top; review and save.`
            : ''
        }`,
      );
    } catch (err) {
      setFailure(err);
    }
  };

  const discard = async () => {
    setConflict(undefined);
    await invalidateAll();
    navigate(paths.detail(entity.name, id!));
  };

  const title =
    mode === 'create'
      ? `New ${name.toLowerCase()}`
      : `Edit ${name.toLowerCase()}: ${displayLabel(entity, row)}`;
  return (
    <section aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title" tabIndex={-1}>
          {title}
        </h1>
        {version !== undefined && <span className="muted">Version {version}</span>}
      </header>
      {conflict && (
        <div className="banner conflict" role="alert">
          <p>
            <strong>This {name.toLowerCase()} was changed by someone else</strong> since you opened it
            {conflict.currentVersion !== undefined
              ? ` (it is now at version ${conflict.currentVersion})`
              : ''}
            . Your changes were not saved.
          </p>
          <div className="actions">
            <button type="button" className="primary" onClick={reloadAndReapply}>
              Reload latest and re-apply my changes
            </button>
            <button type="button" onClick={discard}>
              Discard my changes
            </button>
          </div>
        </div>
      )}
      {notice && (
        <p className="banner info" role="status">
          {notice}
        </p>
      )}
      {refused && (
        <p className="banner error" role="alert">
          {mode === 'create'
            ? `You may not create a ${name.toLowerCase()}.`
            : `You may not change this ${name.toLowerCase()}.`}
        </p>
      )}
      {failure !== undefined && (
        <ErrorBanner error={failure} onRetry={() => formRef.current?.requestSubmit()} />
      )}
      <form
        ref={formRef}
        className="entity-form"
        onSubmit={submit}
        noValidate
        aria-describedby="form-required-note"
      >
        <p id="form-required-note" className="hint">
          Fields marked * are required.
        </p>
        {specs
          .filter((spec) => !spec.parent || values[spec.parent] === true)
          .map((spec) => (
            <FieldInput
              key={spec.name}
              entity={entity.name}
              spec={spec}
              value={values[spec.name] ?? ''}
              error={errorOf(spec.name)}
              idPrefix={idPrefix}
              onChange={(v) => setValue(spec.name, v)}
              onBlur={() => touch(spec.name)}
            />
          ))}
        {submitted && clientErrors[''] && <p className="field-error">{clientErrors['']}</p>}
        <div className="actions">
          <button type="submit" className="primary" disabled={saving || Boolean(conflict) || refused}>
            {saving ? 'Saving…' : mode === 'create' ? `Create ${name.toLowerCase()}` : 'Save changes'}
          </button>
          <Link className="button" to={id ? paths.detail(entity.name, id) : paths.list(entity.name)}>
            Cancel
          </Link>
        </div>
      </form>
    </section>
  );
}

function stringsOnly(row: Row): FormValues {
  return Object.fromEntries(Object.entries(row).filter(([, v]) => typeof v === 'string')) as FormValues;
}
