import { type FormEvent, useEffect, useId, useState } from 'react';
import { type FilterSpec, filterKeys } from '../model/filters.js';
import { RelationPicker } from './RelationPicker.js';

export interface FilterBarProps {
  specs: FilterSpec[];
  /** The filter inputs in the URL. */
  value: Record<string, string>;
  onApply(filters: Record<string, string>): void;
}

/** One filter's widget, by its kind. */
export function FilterInput({
  spec,
  draft,
  set,
  idPrefix,
}: {
  spec: FilterSpec;
  draft: Record<string, string>;
  set(key: string, value: string): void;
  idPrefix: string;
}) {
  const id = `${idPrefix}-${spec.field}`;
  const w = spec.widget;
  switch (w.kind) {
    case 'text':
    case 'uuid':
      return (
        <div className="filter">
          <label htmlFor={id}>{spec.label}</label>
          <input
            id={id}
            type="search"
            placeholder={w.kind === 'text' ? 'contains…' : 'exact id'}
            value={draft[spec.field] ?? ''}
            onChange={(e) => set(spec.field, e.target.value)}
          />
        </div>
      );
    case 'enum':
    case 'boolean': {
      const options =
        w.kind === 'enum'
          ? w.values.map((v) => [v, v] as const)
          : ([
              ['true', 'Yes'],
              ['false', 'No'],
            ] as const);
      return (
        <div className="filter">
          <label htmlFor={id}>{spec.label}</label>
          <select id={id} value={draft[spec.field] ?? ''} onChange={(e) => set(spec.field, e.target.value)}>
            <option value="">Any</option>
            {options.map(([v, text]) => (
              <option key={v} value={v}>
                {text}
              </option>
            ))}
          </select>
        </div>
      );
    }
    case 'dateRange':
    case 'numberRange': {
      const type = w.kind === 'dateRange' ? 'date' : 'number';
      const [fromKey, toKey] = filterKeys(spec) as [string, string];
      return (
        <fieldset className="filter range">
          <legend>{spec.label}</legend>
          <label htmlFor={`${id}-from`}>{w.kind === 'dateRange' ? 'From' : 'Min'}</label>
          <input
            id={`${id}-from`}
            type={type}
            step={w.kind === 'numberRange' && !w.integer ? 'any' : undefined}
            value={draft[fromKey] ?? ''}
            onChange={(e) => set(fromKey, e.target.value)}
          />
          <label htmlFor={`${id}-to`}>{w.kind === 'dateRange' ? 'To' : 'Max'}</label>
          <input
            id={`${id}-to`}
            type={type}
            step={w.kind === 'numberRange' && !w.integer ? 'any' : undefined}
            value={draft[toKey] ?? ''}
            onChange={(e) => set(toKey, e.target.value)}
          />
        </fieldset>
      );
    }
    case 'relation': {
      const current = draft[spec.field];
      return (
        <div className="filter">
          <label htmlFor={id}>{spec.label}</label>
          <RelationPicker
            id={id}
            target={w.target}
            multiple={false}
            value={current ? [current] : []}
            onChange={(ids) => set(spec.field, ids[0] ?? '')}
          />
        </div>
      );
    }
  }
}

/**
 * The filters of a list, generated from the entity's filterable fields. Edits are a draft until
 * applied (the Apply button, or Enter in a text box), so typing does not reload the list per key.
 */
export function FilterBar({ specs, value, onApply }: FilterBarProps) {
  const idPrefix = useId();
  const [draft, setDraft] = useState(value);
  const key = JSON.stringify(value);
  // Resync when the URL's filters change (back button, clear).
  useEffect(() => setDraft(value), [key]);
  if (specs.length === 0) return null;
  const set = (k: string, v: string) => setDraft((d) => ({ ...d, [k]: v }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onApply(Object.fromEntries(Object.entries(draft).filter(([, v]) => v !== '')));
  };
  const active = Object.keys(value).length;
  const main = specs.filter((spec) => !spec.system);
  const more = specs.filter((spec) => spec.system);
  return (
    <form className="filters" onSubmit={submit} aria-label="Filters">
      {main.map((spec) => (
        <FilterInput key={spec.field} spec={spec} draft={draft} set={set} idPrefix={idPrefix} />
      ))}
      <div className="filter-actions">
        <button type="submit" className="primary">
          Apply filters
        </button>
        {active > 0 && (
          <button type="button" onClick={() => onApply({})}>
            Clear filters ({active})
          </button>
        )}
      </div>
      {more.length > 0 && (
        <details className="more-filters" open={more.some((spec) => filterKeys(spec).some((k) => value[k]))}>
          <summary>More filters</summary>
          <div className="more-filters-body">
            {more.map((spec) => (
              <FilterInput key={spec.field} spec={spec} draft={draft} set={set} idPrefix={idPrefix} />
            ))}
          </div>
        </details>
      )}
    </form>
  );
}
