import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { type KeyboardEvent, useEffect, useId, useState } from 'react';
import { useEntityApi } from '../api/trpc.js';
import { entityOf, humanize, labelField, type Row } from '../model/entities.js';
import { displayLabel } from '../overrides.js';

export interface RelationPickerProps {
  id: string;
  /** The entity chosen from. */
  target: string;
  multiple: boolean;
  /** The chosen ids (one at most when single). */
  value: string[];
  onChange(ids: string[]): void;
  onBlur?(): void;
  invalid?: boolean;
  describedBy?: string;
}

function useDebounced<T>(value: T, ms: number): T {
  const [out, setOut] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setOut(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return out;
}

/**
 * A searchable picker of rows of another entity (a combobox): type to search its label field,
 * arrows and Enter to choose; chosen rows show as removable chips. Single for belongs-to, multi for many-to-many.
 */
export function RelationPicker({
  id,
  target,
  multiple,
  value,
  onChange,
  onBlur,
  invalid,
  describedBy,
}: RelationPickerProps) {
  const entity = entityOf(target);
  const api = useEntityApi(target);
  const listId = useId();
  const [text, setText] = useState('');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const search = useDebounced(text.trim(), 200);
  const label = entity ? labelField(entity) : undefined;

  const chosen = useQuery({
    ...api.list.queryOptions({
      where: { id: { in: value } },
      limit: Math.max(1, value.length),
      withArchived: true,
    }),
    enabled: value.length > 0,
    placeholderData: keepPreviousData,
  });
  const results = useQuery({
    ...api.list.queryOptions({
      ...(label && search ? { where: { [label]: { contains: search, mode: 'insensitive' } } } : {}),
      ...(label ? { orderBy: [{ [label]: 'asc' }] } : {}),
      limit: 8,
    }),
    enabled: open,
    placeholderData: keepPreviousData,
  });

  const byId = new Map<string, Row>((chosen.data?.items ?? []).map((r) => [String(r.id), r]));
  // Until the typed text has been searched, the previous results are stale: show none, so Enter
  // can never pick a row that does not match what was typed.
  const settled = search === text.trim() && !results.isPlaceholderData && !results.isPending;
  const options = settled ? (results.data?.items ?? []) : [];
  const nameOf = (rowId: string) => (entity ? displayLabel(entity, byId.get(rowId) ?? { id: rowId }) : rowId);

  const choose = (row: Row) => {
    const rowId = String(row.id);
    if (multiple) onChange(value.includes(rowId) ? value.filter((v) => v !== rowId) : [...value, rowId]);
    else {
      onChange([rowId]);
      setOpen(false);
    }
    setText('');
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setOpen(true);
      setActive((a) => Math.min(a + 1, Math.max(options.length - 1, 0)));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(a - 1, 0));
    } else if (e.key === 'Enter' && open) {
      e.preventDefault();
      const row = options[active];
      if (row) choose(row);
    } else if (e.key === 'Escape' && open) {
      e.preventDefault();
      setOpen(false);
    } else if (e.key === 'Backspace' && text === '' && value.length > 0) {
      onChange(value.slice(0, -1));
    }
  };

  const optionId = (i: number) => `${listId}-opt-${i}`;
  return (
    <div className={`picker${invalid ? ' invalid' : ''}`}>
      {value.length > 0 && (
        <ul className="chips" aria-label={`Chosen ${humanize(target).toLowerCase()}`}>
          {value.map((v) => (
            <li key={v} className="chip">
              <span>{nameOf(v)}</span>
              <button
                type="button"
                aria-label={`Remove ${nameOf(v)}`}
                onClick={() => onChange(value.filter((x) => x !== v))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <input
        id={id}
        type="text"
        role="combobox"
        autoComplete="off"
        aria-expanded={open}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={open && options[active] ? optionId(active) : undefined}
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy}
        placeholder={
          multiple || value.length === 0 ? `Search ${humanize(target).toLowerCase()}…` : 'Search to change…'
        }
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
          setActive(0);
        }}
        onClick={() => setOpen(true)}
        onBlur={() => {
          setOpen(false);
          onBlur?.();
        }}
        onKeyDown={onKeyDown}
      />
      {open && (
        <div id={listId} role="listbox" className="options" aria-label={`${humanize(target)} results`}>
          {!settled && <p className="muted">Searching…</p>}
          {settled && options.length === 0 && <p className="muted">No matches</p>}
          {options.map((row, i) => (
            <div
              key={String(row.id)}
              id={optionId(i)}
              role="option"
              tabIndex={-1}
              aria-selected={value.includes(String(row.id))}
              className={i === active ? 'option active' : 'option'}
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => choose(row)}
              onKeyDown={(e) => e.key === 'Enter' && choose(row)}
            >
              {entity ? displayLabel(entity, row) : String(row.id)}
              {value.includes(String(row.id)) && <span aria-hidden="true"> ✓</span>}
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
