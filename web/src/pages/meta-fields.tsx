import type { ChangeEventHandler } from 'react';
import { Field } from '../components/ui.tsx';

/** API paths of a Meta destination's fields → the labels on the forms (for the API's field problems). */
export const META_LABELS: Record<string, string> = {
  'body.name': 'Name',
  'body.config.pixel_id': 'Pixel ID',
  'body.config.access_token': 'Access token',
  'body.config.test_event_code': 'Test event code',
  'body.config.default_phone_region': 'Default phone region',
  'body.enabled': 'Send events to this destination',
  'body.rate_per_second': 'Events per second',
  'body.batch_size': 'Events per request',
};

export const TEST_CODE_HINT = 'Events Manager → your pixel → Test events, e.g. TEST12345.';

interface MetaFieldProps {
  hint: string;
  error: string | undefined;
  value: string;
  onChange: ChangeEventHandler<HTMLInputElement>;
}

export const PixelIdField = ({ hint, error, value, onChange }: MetaFieldProps) => (
  <Field label="Pixel ID" hint={hint} error={error}>
    <input name="pixel_id" inputMode="numeric" value={value} onChange={onChange} required />
  </Field>
);

export const TestEventCodeField = ({
  label = 'Test event code',
  required,
  hint,
  error,
  value,
  onChange,
}: MetaFieldProps & { label?: string; required?: boolean }) => (
  <Field label={label} hint={hint} error={error}>
    <input name="test_event_code" value={value} onChange={onChange} required={required} />
  </Field>
);
