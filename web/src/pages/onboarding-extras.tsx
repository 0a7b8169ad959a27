import { useState, type FormEvent } from 'react';
import { api, optional, type GatewayConnection, type Link as RedirectLink, type Page, type Receipt } from '../api.ts';
import { Card, CopyButton, ErrorNote, Field, Notice, StatusBadge, StepTitle, useLoad } from '../components/ui.tsx';
import { ago, dateTime } from '../format.ts';

/** Gateways Rastro receives webhooks from, and what each calls the secret it signs with. */
const GATEWAYS: { id: string; label: string; secret: string | null }[] = [
  { id: 'hotmart', label: 'Hotmart', secret: 'Hottok (Tools → Webhook)' },
  { id: 'kiwify', label: 'Kiwify', secret: 'Webhook token' },
  { id: 'stripe', label: 'Stripe', secret: 'Signing secret (whsec_…)' },
  { id: 'perfectpay', label: 'PerfectPay', secret: 'Public token' },
  { id: 'appmax', label: 'Appmax', secret: null },
  { id: 'braip', label: 'Braip', secret: 'Authentication key' },
  { id: 'shopify', label: 'Shopify', secret: 'Webhook signing secret' },
  { id: 'woocommerce', label: 'WooCommerce', secret: 'Webhook secret' },
  { id: 'generic', label: 'Other (generic format)', secret: 'HMAC secret' },
];

interface Snippet {
  script_url: string;
  html: string;
  ingest_key_placeholder: boolean;
}

export function SnippetSection({ n, ingestKey }: { n: number; ingestKey: string | null }) {
  const snippet = useLoad(
    () => optional<Snippet>('/snippet', { query: { ingest_key: ingestKey ?? undefined } }),
    [ingestKey],
  );
  if (snippet.data === null) return null; // this server has no snippet (ingest not shipped)
  return (
    <Card title={<StepTitle n={n} title="Add the snippet to your site" />} id="step-snippet">
      <ErrorNote error={snippet.error} />
      {snippet.data && (
        <>
          <p className="muted">
            Paste it in the <code>&lt;head&gt;</code> of every page: it records page views, keeps the click ids (
            <code>fbclid</code>, <code>gclid</code>…) in first-party cookies and shares <code>event_id</code> with the
            Meta pixel for deduplication.
          </p>
          {snippet.data.ingest_key_placeholder && (
            <Notice tone="warn">
              Replace <code>YOUR_INGEST_KEY</code> with an ingest key, or create one above and it is filled in.
            </Notice>
          )}
          <pre className="code" data-testid="snippet">
            {snippet.data.html}
          </pre>
          <CopyButton text={snippet.data.html} label="Copy snippet" />
        </>
      )}
    </Card>
  );
}

export function GatewaysSection({ n }: { n: number }) {
  const list = useLoad(() => optional<{ items: GatewayConnection[] }>('/gateway-connections'), []);
  const [form, setForm] = useState({ gateway: 'hotmart', name: '', secret: '' });
  const [error, setError] = useState<unknown>(null);
  if (list.data === null) return null; // gateway webhooks not on this server
  const spec = GATEWAYS.find((g) => g.id === form.gateway);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await api('/gateway-connections', {
        body: {
          gateway: form.gateway,
          name: form.name.trim() || spec?.label || form.gateway,
          ...(form.secret.trim() ? { secret: form.secret.trim() } : {}),
        },
      });
      setForm({ ...form, name: '', secret: '' });
      list.reload();
    } catch (err) {
      setError(err);
    }
  };
  const items = list.data?.items ?? [];
  return (
    <Card title={<StepTitle n={n} title="Connect a payment gateway" done={items.length > 0} />} id="step-gateways">
      <p className="muted">
        Sales on Hotmart, Kiwify, Stripe… arrive as signed webhooks, are matched to the click that caused them and sent
        to your destinations. Paste the webhook URL into the gateway.
      </p>
      {items.map((c) => (
        <GatewayRow key={c.id} connection={c} />
      ))}
      <form className="form-grid" onSubmit={submit} aria-label="Connect a gateway">
        <Field label="Gateway">
          <select value={form.gateway} onChange={(e) => setForm({ ...form, gateway: e.target.value })}>
            {GATEWAYS.map((g) => (
              <option key={g.id} value={g.id}>
                {g.label}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Name">
          <input
            value={form.name}
            placeholder={spec?.label}
            onChange={(e) => setForm({ ...form, name: e.target.value })}
          />
        </Field>
        {spec?.secret && (
          <Field label={spec.secret} hint="From the gateway's webhook settings; stored encrypted.">
            <input
              type="password"
              autoComplete="off"
              value={form.secret}
              onChange={(e) => setForm({ ...form, secret: e.target.value })}
            />
          </Field>
        )}
        <ErrorNote error={error || list.error} />
        <div className="form-actions">
          <button className="btn btn-primary">Connect</button>
        </div>
      </form>
    </Card>
  );
}

function GatewayRow({ connection: c }: { connection: GatewayConnection }) {
  const receipts = useLoad(
    () => optional<Page<Receipt>>(`/gateway-connections/${c.id}/receipts`, { query: { limit: 1 } }),
    [c.id],
    10_000,
  );
  const last = receipts.data?.items[0];
  return (
    <div className="destination" data-testid="gateway-connection">
      <div>
        <strong>{c.name}</strong> <span className="muted small">{c.gateway}</span>
      </div>
      <div className="copy-line">
        <code className="break">{c.webhook_url}</code>
        <CopyButton text={c.webhook_url} label="Copy URL" />
      </div>
      <p className="small">
        {last ? (
          <>
            <span title={dateTime(last.received_at)}>Last webhook {ago(last.received_at)}</span>
            {last.event_type && <span className="mono"> {last.event_type}</span>} <StatusBadge status={last.status} />
            {last.error && <span className="muted"> — {last.error}</span>}
          </>
        ) : receipts.data ? (
          <span className="muted">No webhook received yet.</span>
        ) : null}
      </p>
    </div>
  );
}

export function LinksSection({ n }: { n: number }) {
  const list = useLoad(() => optional<Page<RedirectLink>>('/links', { query: { limit: 20 } }), []);
  const [form, setForm] = useState({ slug: '', target_url: '', campaign: '' });
  const [error, setError] = useState<unknown>(null);
  if (list.data === null) return null; // redirect links not on this server
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await api('/links', {
        body: {
          slug: form.slug.trim(),
          target_url: form.target_url.trim(),
          ...(form.campaign.trim() ? { utm: { campaign: form.campaign.trim() } } : {}),
        },
      });
      setForm({ slug: '', target_url: '', campaign: '' });
      list.reload();
    } catch (err) {
      setError(err);
    }
  };
  const items = list.data?.items ?? [];
  return (
    <Card title={<StepTitle n={n} title="Redirect links" done={items.length > 0} />} id="step-links">
      <p className="muted">
        Short links (<code>/go/&lt;slug&gt;</code>) for bios, messages and ads: each click is recorded and its click id
        travels to the checkout.
      </p>
      <ul className="plain-list">
        {items.map((l) => (
          <li key={l.id} className="copy-line">
            <code className="break">{l.url}</code> <CopyButton text={l.url} />
            <span className="muted small ellipsis">→ {l.target_url}</span>
          </li>
        ))}
      </ul>
      <form className="form-grid" onSubmit={submit} aria-label="Create a redirect link">
        <Field label="Slug">
          <input
            value={form.slug}
            placeholder="black-friday"
            onChange={(e) => setForm({ ...form, slug: e.target.value })}
            required
          />
        </Field>
        <Field label="Target URL">
          <input
            type="url"
            value={form.target_url}
            placeholder="https://pay.hotmart.com/…"
            onChange={(e) => setForm({ ...form, target_url: e.target.value })}
            required
          />
        </Field>
        <Field label="Campaign (utm_campaign, optional)">
          <input value={form.campaign} onChange={(e) => setForm({ ...form, campaign: e.target.value })} />
        </Field>
        <ErrorNote error={error || list.error} />
        <div className="form-actions">
          <button className="btn btn-primary">Create link</button>
        </div>
      </form>
    </Card>
  );
}
