/**
 * In-memory record of what the emulator received: every accepted event and every request.
 * Plain arrays and counters, so the benchmark's tens of thousands of events per second cost little.
 */

export interface ReceivedEvent {
  pixelId: string;
  apiVersion: string;
  /** The event exactly as sent (already validated). */
  event: Record<string, unknown>;
  eventName: string;
  eventId?: string;
  /** Position of the event inside its request's `data`. */
  index: number;
  /** Set when the request carried test_event_code: the event went to Test Events, not production. */
  testEventCode?: string;
  isTest: boolean;
  partnerAgent?: string;
  requestId: string;
  fbtraceId: string;
  /** Epoch milliseconds when the request was accepted. */
  receivedAt: number;
}

export interface RequestRecord {
  id: string;
  /** Epoch milliseconds when the request arrived. */
  at: number;
  method: string;
  path: string;
  apiVersion?: string;
  pixelId?: string;
  contentType?: string;
  /** HTTP status answered (0 while a hanging request has not been answered). */
  status: number;
  /** Number of events in `data`, when it could be read. */
  eventCount?: number;
  eventsReceived: number;
  testEventCode?: string;
  errorCode?: number;
  errorSubcode?: number;
  errorMessage?: string;
  /** The injected fault type, when the answer came from fault injection. */
  fault?: string;
  /** Last four characters of the access token, never the token itself. */
  tokenHint?: string;
  fbtraceId: string;
  durationMs?: number;
}

export interface ReceivedFilter {
  pixelId?: string;
  eventName?: string;
  testEventCode?: string;
  /** true: only Test Events; false: only production events. */
  isTest?: boolean;
}

export interface EmulatorStats {
  requests: number;
  acceptedRequests: number;
  rejectedRequests: number;
  faultedRequests: number;
  eventsReceived: number;
  testEvents: number;
  /** Events whose (pixel, event_id, event_name) was already received; events without event_id are not counted. */
  duplicateEvents: number;
  eventsByPixel: Record<string, number>;
  eventsByName: Record<string, number>;
  requestsByStatus: Record<string, number>;
  errorsByCode: Record<string, number>;
  faultsByType: Record<string, number>;
  storedEvents: number;
  storedRequests: number;
  startedAt: number;
}

export interface StoreOptions {
  /** Keep accepted events in memory (default true). Counters are kept either way. */
  storeEvents?: boolean;
  /** Keep at most this many events / requests; the oldest are dropped first. Default unlimited. */
  maxStored?: number;
}

const bump = (counter: Record<string, number>, key: string, by = 1): void => {
  counter[key] = (counter[key] ?? 0) + by;
};

export class EmulatorStore {
  private events: ReceivedEvent[] = [];
  private requestLog: RequestRecord[] = [];
  private dedupKeys = new Set<string>();
  private counters = this.emptyStats();
  private readonly keepEvents: boolean;
  private readonly maxStored: number;

  constructor(options: StoreOptions = {}) {
    this.keepEvents = options.storeEvents ?? true;
    this.maxStored = options.maxStored ?? Infinity;
  }

  private emptyStats(): EmulatorStats {
    return {
      requests: 0,
      acceptedRequests: 0,
      rejectedRequests: 0,
      faultedRequests: 0,
      eventsReceived: 0,
      testEvents: 0,
      duplicateEvents: 0,
      eventsByPixel: {},
      eventsByName: {},
      requestsByStatus: {},
      errorsByCode: {},
      faultsByType: {},
      storedEvents: 0,
      storedRequests: 0,
      startedAt: Date.now(),
    };
  }

  /** Registers a request on arrival; its record is completed by `finish`. */
  begin(record: RequestRecord): RequestRecord {
    this.requestLog.push(record);
    if (this.requestLog.length > this.maxStored) this.requestLog.shift();
    this.counters.requests++;
    return record;
  }

  finish(record: RequestRecord): void {
    bump(this.counters.requestsByStatus, String(record.status));
    if (record.fault !== undefined) {
      this.counters.faultedRequests++;
      bump(this.counters.faultsByType, record.fault);
    } else if (record.status >= 200 && record.status < 300) {
      this.counters.acceptedRequests++;
    } else {
      this.counters.rejectedRequests++;
    }
    if (record.errorCode !== undefined) bump(this.counters.errorsByCode, String(record.errorCode));
  }

  /** Records the events of an accepted request. */
  accept(
    events: Record<string, unknown>[],
    meta: {
      pixelId: string;
      apiVersion: string;
      testEventCode?: string;
      partnerAgent?: string;
      requestId: string;
      fbtraceId: string;
      receivedAt: number;
    },
  ): void {
    const c = this.counters;
    const isTest = meta.testEventCode !== undefined;
    c.eventsReceived += events.length;
    if (isTest) c.testEvents += events.length;
    bump(c.eventsByPixel, meta.pixelId, events.length);
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      const eventName = event.event_name as string;
      const rawId = event.event_id;
      const eventId = rawId === undefined || rawId === null ? undefined : String(rawId);
      bump(c.eventsByName, eventName);
      if (eventId !== undefined) {
        const key = `${meta.pixelId}\u0000${eventName}\u0000${eventId}`;
        if (this.dedupKeys.has(key)) c.duplicateEvents++;
        else this.dedupKeys.add(key);
      }
      if (!this.keepEvents) continue;
      this.events.push({
        pixelId: meta.pixelId,
        apiVersion: meta.apiVersion,
        event,
        eventName,
        eventId,
        index: i,
        testEventCode: meta.testEventCode,
        isTest,
        partnerAgent: meta.partnerAgent,
        requestId: meta.requestId,
        fbtraceId: meta.fbtraceId,
        receivedAt: meta.receivedAt,
      });
    }
    if (this.events.length > this.maxStored) this.events.splice(0, this.events.length - this.maxStored);
  }

  received(filter: ReceivedFilter = {}): ReceivedEvent[] {
    const { pixelId, eventName, testEventCode, isTest } = filter;
    if (pixelId === undefined && eventName === undefined && testEventCode === undefined && isTest === undefined) {
      return this.events.slice();
    }
    return this.events.filter(
      (e) =>
        (pixelId === undefined || e.pixelId === pixelId) &&
        (eventName === undefined || e.eventName === eventName) &&
        (testEventCode === undefined || e.testEventCode === testEventCode) &&
        (isTest === undefined || e.isTest === isTest),
    );
  }

  requests(): RequestRecord[] {
    return this.requestLog.slice();
  }

  stats(): EmulatorStats {
    const c = this.counters;
    return {
      ...c,
      eventsByPixel: { ...c.eventsByPixel },
      eventsByName: { ...c.eventsByName },
      requestsByStatus: { ...c.requestsByStatus },
      errorsByCode: { ...c.errorsByCode },
      faultsByType: { ...c.faultsByType },
      storedEvents: this.events.length,
      storedRequests: this.requestLog.length,
    };
  }

  reset(): void {
    this.events = [];
    this.requestLog = [];
    this.dedupKeys = new Set();
    this.counters = this.emptyStats();
  }
}
