import { useState, type FormEvent } from 'react';
import { api, type Destination } from '../api.ts';
import { FormFooter } from '../components/form-footer.tsx';
import { Field } from '../components/ui.tsx';
import { formProblems, problemsOf } from '../problems.ts';
import { META_LABELS, PixelIdField, TEST_CODE_HINT, TestEventCodeField } from './meta-fields.tsx';

/** Why a cleared optional field came back refused: the server keeps config fields a PATCH sets to null. */
const CANNOT_CLEAR: Record<string, string> = {
  'body.config.test_event_code':
    'Test event code: this server cannot remove it yet, so Meta keeps treating every event sent here as a test. ' +
    'To stop that now, delete this destination and add it again without a code.',
  'body.config.default_phone_region': 'Default phone region: this server cannot clear it yet; set another region.',
};

/** The delivery limits, each a whole number from 1. */
const LIMITS = [
  { key: 'rate_per_second', hint: 'At most this many sent per second.', max: 100000 },
  { key: 'batch_size', hint: 'Meta takes up to 1000.', max: 1000 },
] as const;

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * Changes a Meta destination (PATCH: only what changed is sent; `config` merges over the current one).
 * The access token is never returned: the form says it is set and takes a new one to replace it.
 */
export function EditMetaForm({
  destination: d,
  onSaved,
  onCancel,
}: {
  destination: Destination;
  onSaved: () => void;
  onCancel: () => void;
}) {
  const initial = {
    name: d.name,
    pixel_id: text(d.config.pixel_id),
    access_token: '',
    test_event_code: text(d.config.test_event_code),
    default_phone_region: text(d.config.default_phone_region),
    rate_per_second: d.rate_per_second == null ? '' : String(d.rate_per_second),
    batch_size: d.batch_size == null ? '' : String(d.batch_size),
  };
  const [form, setForm] = useState(initial);
  const [enabled, setEnabled] = useState(d.enabled);
  const [error, setError] = useState<unknown>(null);
  const [cleared, setCleared] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const tokenEnd = text(d.config.access_token).replace(/^\*+/, '');

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const changed = (k: keyof typeof form) => form[k].trim() !== initial[k].trim();
    const config: Record<string, unknown> = {};
    if (changed('pixel_id')) config.pixel_id = form.pixel_id.trim();
    if (form.access_token.trim()) config.access_token = form.access_token.trim();
    // An emptied optional field is removed: null is how the PATCH says so.
    if (changed('test_event_code')) config.test_event_code = form.test_event_code.trim() || null;
    if (changed('default_phone_region')) config.default_phone_region = form.default_phone_region.trim() || null;
    const body: Record<string, unknown> = {
      ...(changed('name') ? { name: form.name.trim() } : {}),
      ...(Object.keys(config).length ? { config } : {}),
      ...(enabled !== d.enabled ? { enabled } : {}),
      ...(changed('rate_per_second') ? { rate_per_second: Number(form.rate_per_second) } : {}),
      ...(changed('batch_size') ? { batch_size: Number(form.batch_size) } : {}),
    };
    if (Object.keys(body).length === 0) return onCancel();
    setBusy(true);
    setError(null);
    setCleared(
      Object.entries(config)
        .filter(([, v]) => v === null)
        .map(([k]) => `body.config.${k}`),
    );
    try {
      await api(`/destinations/${d.id}`, { method: 'PATCH', body });
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const problems = formProblems(error, META_LABELS);
  // A field sent as null can only be refused for being null: this server keeps it instead of removing it.
  const refusedClear = new Set(
    problemsOf(error)
      .filter((p) => cleared.includes(p.field))
      .map((p) => p.field),
  );
  const problem = (field: string) => (refusedClear.has(field) ? CANNOT_CLEAR[field] : problems.of(field));

  return (
    <form className="form-grid edit-form" onSubmit={submit} aria-label={`Edit ${d.name}`}>
      <Field label="Name" error={problem('body.name')}>
        <input name="name" value={form.name} onChange={set('name')} required />
      </Field>
      <PixelIdField
        hint="The dataset id: Events Manager → Data sources → your pixel → Settings."
        error={problem('body.config.pixel_id')}
        value={form.pixel_id}
        onChange={set('pixel_id')}
      />
      <Field
        label="Access token"
        hint={
          <span data-testid="token-state">
            {tokenEnd ? `Set (ends in ${tokenEnd}).` : 'Set.'} It is never shown; paste a new token to replace it.
          </span>
        }
        error={problem('body.config.access_token')}
      >
        <input
          name="access_token"
          type="password"
          autoComplete="off"
          placeholder="set · leave empty to keep it"
          value={form.access_token}
          onChange={set('access_token')}
        />
      </Field>
      <TestEventCodeField
        hint={`${TEST_CODE_HINT} While set, Meta shows this destination's events in Test Events only; empty it to remove it.`}
        error={problem('body.config.test_event_code')}
        value={form.test_event_code}
        onChange={set('test_event_code')}
      />
      <Field
        label="Default phone region"
        hint="Country of phone numbers written without a country code: BR, US… Optional."
        error={problem('body.config.default_phone_region')}
      >
        <input
          name="default_phone_region"
          maxLength={8}
          value={form.default_phone_region}
          onChange={set('default_phone_region')}
        />
      </Field>
      <div className="field">
        <span className="field-label">Sending</span>
        <label className="toggle">
          <input type="checkbox" name="enabled" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />{' '}
          {META_LABELS['body.enabled']}
        </label>
        <span className="field-hint">When off, events are still stored but not sent here.</span>
        {problem('body.enabled') && <span className="field-error">{problem('body.enabled')}</span>}
      </div>
      <details className="form-more">
        <summary>Delivery limits</summary>
        <div className="form-grid">
          {LIMITS.map(({ key, hint, max }) => (
            <Field key={key} label={META_LABELS[`body.${key}`] ?? key} hint={hint} error={problem(`body.${key}`)}>
              <input name={key} type="number" min={1} max={max} value={form[key]} onChange={set(key)} />
            </Field>
          ))}
        </div>
      </details>
      <FormFooter error={error} problems={problems} busy={busy} submit="Save changes" onCancel={onCancel} />
    </form>
  );
}
