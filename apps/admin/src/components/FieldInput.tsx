import type { FormFieldSpec, FormValue } from '../model/form-model.js';
import { overridesOf } from '../overrides.js';
import { RelationPicker } from './RelationPicker.js';

export interface FieldInputProps {
  entity: string;
  spec: FormFieldSpec;
  value: FormValue;
  error?: string;
  idPrefix: string;
  onChange(value: FormValue): void;
  onBlur(): void;
}

export const fieldId = (idPrefix: string, name: string) => `${idPrefix}-${name}`;

/** One generated form field: its label, the widget for its kind (or the entity's custom one), a hint and its error. */
export function FieldInput({ entity, spec, value, error, idPrefix, onChange, onBlur }: FieldInputProps) {
  const id = fieldId(idPrefix, spec.name);
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const hint =
    spec.description ?? (spec.widget === 'json' ? 'A JSON object, e.g. {"tier": "gold"}' : undefined);
  const describedBy = [error ? errorId : '', hint ? hintId : ''].filter(Boolean).join(' ') || undefined;
  const text = typeof value === 'string' ? value : '';
  const common = {
    id,
    name: spec.name,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': describedBy,
    'aria-required': spec.required || undefined,
    onBlur,
  };
  const Custom = overridesOf(entity).fields?.[spec.name];
  let input: React.ReactNode;
  if (Custom) {
    input = (
      <Custom
        id={id}
        spec={spec}
        value={value}
        onChange={onChange}
        onBlur={onBlur}
        invalid={Boolean(error)}
        {...(describedBy ? { describedBy } : {})}
      />
    );
  } else {
    switch (spec.widget) {
      case 'checkbox':
      case 'hasOne':
        input = (
          <input
            {...common}
            type="checkbox"
            checked={value === true}
            onChange={(e) => onChange(e.target.checked)}
          />
        );
        break;
      case 'textarea':
        input = <textarea {...common} rows={4} value={text} onChange={(e) => onChange(e.target.value)} />;
        break;
      case 'json':
        input = (
          <textarea
            {...common}
            rows={4}
            className="mono"
            value={text}
            onChange={(e) => onChange(e.target.value)}
          />
        );
        break;
      case 'select':
        input = (
          <select {...common} value={text} onChange={(e) => onChange(e.target.value)}>
            {(!spec.hasDefault || spec.nullable) && (
              <option value="">{spec.nullable ? '(none)' : 'Choose…'}</option>
            )}
            {spec.options?.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        );
        break;
      case 'datetime':
        input = (
          <input {...common} type="datetime-local" value={text} onChange={(e) => onChange(e.target.value)} />
        );
        break;
      case 'integer':
      case 'number':
        input = (
          <input
            {...common}
            type="number"
            step={spec.widget === 'integer' ? 1 : 'any'}
            value={text}
            onChange={(e) => onChange(e.target.value)}
          />
        );
        break;
      case 'bigint':
      case 'decimal':
        input = (
          <input
            {...common}
            type="text"
            inputMode="numeric"
            value={text}
            onChange={(e) => onChange(e.target.value)}
          />
        );
        break;
      case 'belongsTo':
      case 'manyToMany': {
        const ids = Array.isArray(value) ? value : text ? [text] : [];
        input = (
          <RelationPicker
            id={id}
            target={spec.target!}
            multiple={spec.widget === 'manyToMany'}
            value={ids}
            onChange={(next) => onChange(spec.widget === 'manyToMany' ? next : (next[0] ?? ''))}
            onBlur={onBlur}
            invalid={Boolean(error)}
            {...(describedBy ? { describedBy } : {})}
          />
        );
        break;
      }
      default:
        input = (
          <input
            {...common}
            type={spec.widget === 'email' ? 'email' : 'text'}
            maxLength={spec.maxLength}
            value={text}
            onChange={(e) => onChange(e.target.value)}
          />
        );
    }
  }
  return (
    <div
      className={`field${(spec.widget === 'checkbox' || spec.widget === 'hasOne') && !Custom ? ' checkbox' : ''}${spec.parent ? ' nested' : ''}${error ? ' has-error' : ''}`}
    >
      <div className="label-row">
        <label htmlFor={id}>{spec.label}</label>
        {/* The input carries aria-required; the star is for sighted users. */}
        {spec.required && (
          <span className="required" aria-hidden="true">
            *
          </span>
        )}
      </div>
      {input}
      {hint && (
        <p id={hintId} className="hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
