import { useQuery } from '@tanstack/react-query';
import type { AnyEntity } from '@typecrud/shared';
import { useEntityApi } from '../api/trpc.js';
import { formatValue } from '../format.js';
import { belongsToOf, entityOf, fieldOf, type Row, referenceTarget } from '../model/entities.js';
import { paths } from '../model/routes.js';
import { displayLabel, overridesOf } from '../overrides.js';
import { Link } from '../router.js';

/** The label of a referenced row the read did not embed (an audit field's user): one small get. */
function ReferenceLabel({ target, id }: { target: string; id: string }) {
  const api = useEntityApi(target);
  const targetEntity = entityOf(target);
  const related = useQuery({
    ...api.get.queryOptions({ id, withArchived: true }),
    staleTime: 60_000,
    retry: false,
  });
  return <>{related.data && targetEntity ? displayLabel(targetEntity, related.data) : id.slice(0, 8)}</>;
}

/**
 * One field of a row for reading: the entity's custom cell, a link for a reference, else
 * formatted text. `resolve` looks up references the row did not embed (one page, not a list).
 */
export function FieldValue({
  entity,
  field,
  row,
  resolve,
}: {
  entity: AnyEntity;
  field: string;
  row: Row;
  resolve?: boolean;
}) {
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
        {related && targetEntity ? (
          displayLabel(targetEntity, related)
        ) : resolve ? (
          <ReferenceLabel target={target} id={value} />
        ) : (
          value.slice(0, 8)
        )}
      </Link>
    );
  }
  const text = formatValue(value, fieldOf(entity, field));
  return value === null || value === undefined ? <span className="muted">{text}</span> : text;
}
