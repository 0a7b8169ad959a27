/**
 * Track API bodies for the ingest benchmarks (bench/ingest.ts over HTTP, bench/ingest-cpu.ts in
 * process). Bodies vary per request (a pool of session ids), as real traffic does: one session per
 * request stream, not one hot row. One event in ten of a batch is a lead with an email and a phone.
 */
const rnd = () => Math.random().toString(36).slice(2, 12);

export const pageView = (i: number) => ({
  event_name: 'page_view',
  url: `https://shop.example.com/produto/curso-${i % 50}?utm_source=facebook&utm_campaign=bf`,
  referrer: 'https://l.facebook.com/',
  session_id: `rs${rnd()}${rnd()}`,
  fbp: `fb.1.1700000000000.${1000000000 + (i % 8999999999)}`,
  fbc: `fb.1.1700000000000.IwAR${rnd()}`,
  utm_source: 'facebook',
  utm_campaign: 'bf',
});

export const lead = (i: number) => ({
  ...pageView(i),
  event_name: 'lead',
  user: { email: `buyer${i}@example.com`, phone: `+55119${10000000 + i}` },
});

/** Bodies of `POST /track/page_view` (the name is in the path). */
export const singleBodies = (count = 2000): string[] =>
  Array.from({ length: count }, (_, i) => {
    const { event_name: _name, ...body } = pageView(i);
    return JSON.stringify(body);
  });

/** Bodies of `POST /track` with `size` events each. */
export const batchBodies = (size: number, count = 200): string[] =>
  Array.from({ length: count }, (_, i) =>
    JSON.stringify({
      events: Array.from({ length: size }, (_, j) => (j % 10 === 9 ? lead(i * size + j) : pageView(j))),
    }),
  );
