import type { AnyEntity } from '@typecrud/shared';
import { formatValue } from '../format.js';
import { belongsToOf, entityOf, fieldOf, type Row, referenceTarget, rowLabel } from '../model/entities.js';
import { paths } from '../model/routes.js';
import { overridesOf } from '../overrides.js';
import { Link } from '../router.js';

/** One field of a row for reading: the entity's custom cell, a link for a reference, else formatted text. */
export function FieldValue({ entity, field, row }: { entity: AnyEntity; field: string; row: Row }) {
  const value = row[field];
  const Custom = overridesOf(entity.name).cells?.[field];
  if (Custom) return <Custom field={field} value={value} row={row} />;
  const target = referenceTarget(entity, field);
  if (target && typeof value === 'string') {
    const rel = belongsToOf(entity, field);
    const related = rel ? (row[rel.name] as Row | null | undefined) : undefined;
    const targetEntity = entityOf(target);
    return (
      <Link to={paths.detail(target, value)}>
        {related && targetEntity ? rowLabel(targetEntity, related) : value.slice(0, 8)}
      </Link>
    );
  }
  const text = formatValue(value, fieldOf(entity, field));
  return value === null || value === undefined ? <span className="muted">{text}</span> : text;
}
