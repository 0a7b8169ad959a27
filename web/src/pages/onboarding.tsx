import { useState, type FormEvent } from 'react';
import { api, type Destination, type Me } from '../api.ts';
import { FormFooter } from '../components/form-footer.tsx';
import { Card, ErrorNote, Field, StepTitle, useLoad } from '../components/ui.tsx';
import { formProblems } from '../problems.ts';
import { KeysSection } from './keys-section.tsx';
import { MetaDestination } from './meta-destination.tsx';
import { META_LABELS, PixelIdField, TEST_CODE_HINT, TestEventCodeField } from './meta-fields.tsx';
import { GatewaysSection, LinksSection, SnippetSection } from './onboarding-extras.tsx';

/** Setup: connect Meta and check it, hand out keys, the snippet, gateway webhook URLs and redirect links. */
export function OnboardingPage({ me }: { me: Me }) {
  const destinations = useLoad(() => api<{ items: Destination[] }>('/destinations'), []);
  const metas = (destinations.data?.items ?? []).filter((d) => d.type === 'meta_capi');
  const [ingestKey, setIngestKey] = useState<string | null>(null);

  return (
    <div className="page">
      <header className="page-head">
        <h1>Setup</h1>
      </header>
      <p className="muted lead">
        Connect your ad platform, then send events from your site (snippet), your server (API) or your payment gateway
        (webhooks). Each step shows whether it works.
      </p>
      <Card title={<StepTitle n={1} title="Connect Meta (Conversions API)" done={metas.length > 0} />} id="step-meta">
        <ErrorNote error={destinations.error} />
        {metas.map((d) => (
          <MetaDestination key={d.id} destination={d} onChanged={destinations.reload} />
        ))}
        <AddMetaForm first={metas.length === 0} onCreated={destinations.reload} />
      </Card>
      <KeysSection n={2} me={me} onIngestKey={setIngestKey} />
      <SnippetSection n={3} ingestKey={ingestKey} />
      <GatewaysSection n={4} />
      <LinksSection n={5} />
    </div>
  );
}

function AddMetaForm({ first, onCreated }: { first: boolean; onCreated: () => void }) {
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState({ name: 'Meta pixel', pixel_id: '', access_token: '', test_event_code: '' });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  if (!open && !first) {
    return (
      <button className="btn" onClick={() => setOpen(true)}>
        Add another Meta pixel
      </button>
    );
  }
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const problems = formProblems(error, META_LABELS);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api('/destinations', {
        body: {
          type: 'meta_capi',
          name: form.name.trim(),
          config: {
            pixel_id: form.pixel_id.trim(),
            access_token: form.access_token.trim(),
            ...(form.test_event_code.trim() ? { test_event_code: form.test_event_code.trim() } : {}),
          },
        },
      });
      setForm({ name: 'Meta pixel', pixel_id: '', access_token: '', test_event_code: '' });
      setOpen(false);
      onCreated();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="form-grid" onSubmit={submit} aria-label="Add a Meta pixel">
      <Field label="Name" error={problems.of('body.name')}>
        <input name="name" value={form.name} onChange={set('name')} required />
      </Field>
      <PixelIdField
        hint="The dataset id: Events Manager → Data sources → your pixel → Settings"
        error={problems.of('body.config.pixel_id')}
        value={form.pixel_id}
        onChange={set('pixel_id')}
      />
      <Field
        label="Access token"
        hint="Conversions API token: Settings → Conversions API → Generate access token"
        error={problems.of('body.config.access_token')}
      >
        <input
          name="access_token"
          type="password"
          autoComplete="off"
          value={form.access_token}
          onChange={set('access_token')}
          required
        />
      </Field>
      <TestEventCodeField
        label="Test event code (optional)"
        hint={`${TEST_CODE_HINT} While set, events go to Test Events only.`}
        error={problems.of('body.config.test_event_code')}
        value={form.test_event_code}
        onChange={set('test_event_code')}
      />
      <FormFooter
        error={error}
        problems={problems}
        busy={busy}
        submit="Save destination"
        onCancel={first ? undefined : () => setOpen(false)}
      />
    </form>
  );
}
