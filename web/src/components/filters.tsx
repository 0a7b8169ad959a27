import type { ReactNode } from 'react';
import type { Destination } from '../api.ts';
import { fromLocalInput, toLocalInput } from '../format.ts';

/** Sets some of a page's URL filters (undefined removes one). */
export type UpdateFilters = (patch: Record<string, string | undefined>) => void;

/**
 * A text filter named after its URL parameter, applied when the input loses focus or on Enter (not
 * on every key); emptied, it is removed. `children` go inside the label (e.g. a datalist).
 */
export function TextFilter({
  name,
  label,
  value,
  placeholder,
  list,
  update,
  children,
}: {
  name: string;
  label: string;
  value: string | undefined;
  placeholder?: string;
  list?: string;
  update: UpdateFilters;
  children?: ReactNode;
}) {
  const apply = (text: string) => update({ [name]: text.trim() || undefined });
  return (
    <label>
      <span>{label}</span>
      <input
        name={name}
        list={list}
        defaultValue={value ?? ''}
        placeholder={placeholder}
        onBlur={(e) => apply(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') apply(e.currentTarget.value);
        }}
      />
      {children}
    </label>
  );
}

export const EventNameFilter = ({ value, update }: { value: string | undefined; update: UpdateFilters }) => (
  <TextFilter name="event_name" label="Event name" value={value} placeholder="purchase" update={update} />
);

/** The tenant's destinations to choose one from (`destination_id`), or any. */
export function DestinationFilter({
  value,
  destinations,
  anyLabel = 'Any',
  update,
}: {
  value: string | undefined;
  destinations: Destination[] | undefined;
  anyLabel?: string;
  update: UpdateFilters;
}) {
  return (
    <label>
      <span>Destination</span>
      <select
        name="destination_id"
        value={value ?? ''}
        onChange={(e) => update({ destination_id: e.target.value || undefined })}
      >
        <option value="">{anyLabel}</option>
        {(destinations ?? []).map((d) => (
          <option key={d.id} value={d.id}>
            {d.name}
          </option>
        ))}
      </select>
    </label>
  );
}

/** `from` and `to` as local date-times; the URL keeps them as ISO instants. */
export function DateRangeFilter({
  from,
  to,
  update,
}: {
  from: string | undefined;
  to: string | undefined;
  update: UpdateFilters;
}) {
  return (
    <>
      <DateFilter name="from" label="From" value={from} update={update} />
      <DateFilter name="to" label="To" value={to} update={update} />
    </>
  );
}

function DateFilter({
  name,
  label,
  value,
  update,
}: {
  name: string;
  label: string;
  value: string | undefined;
  update: UpdateFilters;
}) {
  return (
    <label>
      <span>{label}</span>
      <input
        type="datetime-local"
        name={name}
        value={toLocalInput(value)}
        onChange={(e) => update({ [name]: fromLocalInput(e.target.value) })}
      />
    </label>
  );
}

/** "Clear", shown while any filter is set (or one in the URL was ignored). */
export function ClearFilters({ shown, onClear }: { shown: boolean; onClear: () => void }) {
  if (!shown) return null;
  return (
    <button type="button" className="btn btn-link" onClick={onClear}>
      Clear
    </button>
  );
}
