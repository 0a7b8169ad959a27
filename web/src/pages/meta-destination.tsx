import { useState, type FormEvent } from 'react';
import { api, type Destination, type EventItem, type Page } from '../api.ts';
import { FormFooter } from '../components/form-footer.tsx';
import { Badge, ErrorNote, Field, Notice, StatusBadge, useLoad } from '../components/ui.tsx';
import { ago } from '../format.ts';
import { formProblems } from '../problems.ts';
import { Link } from '../router.tsx';
import { EditMetaForm } from './meta-edit.tsx';
import { META_LABELS, TEST_CODE_HINT, TestEventCodeField } from './meta-fields.tsx';

interface TestRun {
  id: string;
  status: string;
  error: string | null;
  traceId: string | null;
}

const UNSETTLED = ['pending', 'processing'];

/** What became of the setup's test event, in one sentence (the status badge precedes it). */
export function testOutcome(run: { status: string; error: string | null }): string {
  const said = run.error?.trim().replace(/\.$/, '');
  if (run.status === 'delivered') return 'Meta accepted it; it shows in Events Manager → Test events.';
  if (UNSETTLED.includes(run.status)) return 'on its way to Meta…';
  if (run.status === 'skipped' && (!said || /test.?event.?code/i.test(said))) {
    return 'Rastro did not send it to Meta, because this destination has no test event code.';
  }
  return `${said || 'Meta did not accept it'}.`;
}

/** One Meta destination on Setup: its state, the last event, a test event, edit and delete. */
export function MetaDestination({ destination: d, onChanged }: { destination: Destination; onChanged: () => void }) {
  const last = useLoad(
    () => api<Page<EventItem>>('/events', { query: { destination_id: d.id, limit: 1 } }),
    [d.id],
    10_000,
  );
  const [test, setTest] = useState<TestRun | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [token, setToken] = useState('');
  const [editing, setEditing] = useState(false);
  const [askCode, setAskCode] = useState(false);
  const lastEvent = last.data?.items[0];
  const lastDelivery = lastEvent?.deliveries.find((x) => x.destination_id === d.id);
  const hasTestCode = Boolean(d.config.test_event_code);

  const sendTest = async () => {
    setError(null);
    setTest(null);
    setAskCode(false);
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
        if (!UNSETTLED.includes(mine.status)) break;
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

  const remove = async () => {
    const sure = window.confirm(
      `Delete the destination “${d.name}” (pixel ${String(d.config.pixel_id)})? Rastro stops sending events to it, ` +
        'and events not delivered to it yet are recorded as skipped. This cannot be undone.',
    );
    if (!sure) return;
    setError(null);
    try {
      await api(`/destinations/${d.id}`, { method: 'DELETE' });
      onChanged();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <div className="destination" data-testid="meta-destination">
      <div className="row-between">
        <div className="destination-summary">
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
        <div className="destination-actions">
          <button
            className="btn"
            onClick={() => (hasTestCode ? void sendTest() : setAskCode(true))}
            data-testid="send-test-event"
          >
            Send a test event
          </button>
          <button className="btn" onClick={() => setEditing(!editing)} aria-expanded={editing}>
            Edit
          </button>
          <button className="btn btn-danger-quiet" onClick={() => void remove()}>
            Delete
          </button>
        </div>
      </div>
      {editing && (
        <EditMetaForm
          destination={d}
          onCancel={() => setEditing(false)}
          onSaved={() => {
            setEditing(false);
            onChanged();
          }}
        />
      )}
      {askCode && !hasTestCode && (
        <AddTestCode
          destination={d}
          onCancel={() => setAskCode(false)}
          onAdded={() => {
            onChanged();
            void sendTest();
          }}
        />
      )}
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
        <Notice tone={test.status === 'delivered' ? 'ok' : UNSETTLED.includes(test.status) ? 'info' : 'bad'}>
          <span data-testid="test-result">
            Test event <StatusBadge status={test.status} />: {testOutcome(test)}
          </span>
          {test.traceId && <span className="muted small mono"> trace {test.traceId}</span>}{' '}
          <Link href={`/events/${test.id}`}>Details</Link>
          {test.status === 'skipped' && !hasTestCode && !askCode && (
            <>
              {' '}
              <button type="button" className="btn btn-link" onClick={() => setAskCode(true)}>
                Add a test event code
              </button>
            </>
          )}
        </Notice>
      )}
      <ErrorNote error={error} />
    </div>
  );
}

/**
 * Shown instead of sending when the destination has no test event code: Meta lists server events in
 * Test Events only with one, so a test event without it would be skipped. Adds it, then sends.
 */
function AddTestCode({
  destination: d,
  onAdded,
  onCancel,
}: {
  destination: Destination;
  onAdded: () => void;
  onCancel: () => void;
}) {
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api(`/destinations/${d.id}`, { method: 'PATCH', body: { config: { test_event_code: code.trim() } } });
      onAdded();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const problems = formProblems(error, META_LABELS);
  return (
    <form className="form-grid" onSubmit={submit} aria-label="Add a test event code">
      <Notice>
        <span data-testid="test-code-needed">
          Meta shows events sent from a server in Events Manager&apos;s <strong>Test events</strong> tab only when they
          carry a test event code, and this destination has none: a test event would not be sent. Add the code from that
          tab to check the connection. While it is set, Meta treats every event from this destination as a test, so
          remove it (Edit) when you are done.
        </span>
      </Notice>
      <TestEventCodeField
        hint={TEST_CODE_HINT}
        error={problems.of('body.config.test_event_code')}
        value={code}
        onChange={(e) => setCode(e.target.value)}
        required
      />
      <FormFooter
        error={error}
        problems={problems}
        busy={busy}
        submit="Add code and send a test event"
        onCancel={onCancel}
      />
    </form>
  );
}
