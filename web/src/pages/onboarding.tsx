import { useState, type FormEvent } from 'react';
import { api, type Destination, type EventItem, type Page } from '../api.ts';
import { Badge, Card, ErrorNote, Field, Notice, StatusBadge, StepTitle, useLoad } from '../components/ui.tsx';
import { ago } from '../format.ts';
import { Link } from '../router.tsx';
import { GatewaysSection, KeysSection, LinksSection, SnippetSection } from './onboarding-extras.tsx';

/** Setup: connect Meta and check it, hand out keys, the snippet, gateway webhook URLs and redirect links. */
export function OnboardingPage() {
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
      <KeysSection n={2} onIngestKey={setIngestKey} />
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
      <Field label="Name">
        <input name="name" value={form.name} onChange={set('name')} required />
      </Field>
      <Field label="Pixel (dataset) id" hint="Events Manager → Data sources → your pixel → Settings">
        <input name="pixel_id" inputMode="numeric" value={form.pixel_id} onChange={set('pixel_id')} required />
      </Field>
      <Field label="Conversions API access token" hint="Settings → Conversions API → Generate access token">
        <input
          name="access_token"
          type="password"
          autoComplete="off"
          value={form.access_token}
          onChange={set('access_token')}
          required
        />
      </Field>
      <Field
        label="Test event code (optional)"
        hint="Test events tab, e.g. TEST12345: events then go to Test Events only"
      >
        <input name="test_event_code" value={form.test_event_code} onChange={set('test_event_code')} />
      </Field>
      <ErrorNote error={error} />
      <div className="form-actions">
        <button className="btn btn-primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save destination'}
        </button>
        {!first && (
          <button type="button" className="btn btn-link" onClick={() => setOpen(false)}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

interface TestRun {
  id: string;
  status: string;
  error: string | null;
  traceId: string | null;
}

function MetaDestination({ destination: d, onChanged }: { destination: Destination; onChanged: () => void }) {
  const last = useLoad(
    () => api<Page<EventItem>>('/events', { query: { destination_id: d.id, limit: 1 } }),
    [d.id],
    10_000,
  );
  const [test, setTest] = useState<TestRun | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [token, setToken] = useState('');
  const lastEvent = last.data?.items[0];
  const lastDelivery = lastEvent?.deliveries.find((x) => x.destination_id === d.id);
  const hasTestCode = Boolean(d.config.test_event_code);

  const sendTest = async () => {
    setError(null);
    setTest(null);
    try {
      const now = Date.now();
      const res = await api<{ events: { id: string }[] }>('/events', {
        body: {
          events: [
            {
              event_name: 'page_view',
              event_id: `rastro-setup-${now}`,
              test: true,
              action_source: 'website',
              url: `${location.origin}/rastro-setup-check`,
              user_agent: navigator.userAgent,
              fbp: `fb.1.${now}.${Math.floor(Math.random() * 1e10)}`,
              user: { external_id: 'rastro-setup-check' },
            },
          ],
        },
      });
      const id = res.events[0]?.id as string;
      setTest({ id, status: 'pending', error: null, traceId: null });
      for (let i = 0; i < 60; i++) {
        await new Promise((r) => setTimeout(r, 1000));
        const detail = await api<{
          deliveries: {
            destination_id: string;
            status: string;
            last_error: string | null;
            attempts_log: { trace_id?: string }[];
          }[];
        }>(`/events/${id}`);
        const mine = detail.deliveries.find((x) => x.destination_id === d.id);
        if (!mine) continue;
        const run = {
          id,
          status: mine.status,
          error: mine.last_error,
          traceId: mine.attempts_log.at(-1)?.trace_id ?? null,
        };
        setTest(run);
        if (!['pending', 'processing'].includes(mine.status)) break;
      }
      last.reload();
    } catch (err) {
      setError(err);
    }
  };

  const updateToken = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await api(`/destinations/${d.id}`, { method: 'PATCH', body: { config: { access_token: token.trim() } } });
      setToken('');
      onChanged();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <div className="destination" data-testid="meta-destination">
      <div className="row-between">
        <div>
          <strong>{d.name}</strong> <StatusBadge status={d.status} />{' '}
          {!d.enabled && <Badge tone="muted">disabled</Badge>}
          <div className="muted small">
            pixel <span className="mono">{String(d.config.pixel_id)}</span>
            {hasTestCode ? (
              <>
                {' '}
                · test code <span className="mono">{String(d.config.test_event_code)}</span>
              </>
            ) : (
              ' · no test event code'
            )}
          </div>
        </div>
        <button className="btn" onClick={() => void sendTest()} data-testid="send-test-event">
          Send a test event
        </button>
      </div>
      {d.status === 'paused' && (
        <form className="row-form" onSubmit={updateToken}>
          <Notice tone="warn">Paused: {d.status_reason}. Paste a new token to resume.</Notice>
          <Field label="New access token">
            <input type="password" value={token} onChange={(e) => setToken(e.target.value)} required />
          </Field>
          <button className="btn btn-primary">Update token</button>
        </form>
      )}
      <p className="small" data-testid="last-delivery">
        {lastEvent ? (
          <>
            Last event {ago(lastEvent.received_at)}:{' '}
            <Link href={`/events/${lastEvent.id}`}>{lastEvent.event_name}</Link>{' '}
            {lastDelivery && <StatusBadge status={lastDelivery.status} />}
          </>
        ) : last.data ? (
          <span className="muted">No event sent to this destination yet.</span>
        ) : (
          <span className="muted">Looking for the last event…</span>
        )}
      </p>
      {test && (
        <Notice
          tone={test.status === 'delivered' ? 'ok' : ['pending', 'processing'].includes(test.status) ? 'info' : 'bad'}
        >
          <span data-testid="test-result">
            Test event <StatusBadge status={test.status} />
            {test.status === 'delivered' && ' — Meta accepted it; it shows in Events Manager → Test events.'}
            {test.status === 'skipped' && !hasTestCode && ' — add a test event code to this destination to check it.'}
            {test.error && test.status !== 'delivered' && ` — ${test.error}`}
          </span>
          {test.traceId && <span className="muted small mono"> trace {test.traceId}</span>}{' '}
          <Link href={`/events/${test.id}`}>Details</Link>
        </Notice>
      )}
      <ErrorNote error={error} />
    </div>
  );
}
