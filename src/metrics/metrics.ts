/**
 * Prometheus metrics, on a registry of the context's own (no global registry, so several
 * contexts in one test process do not collide).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  referralsAccepted: Counter<'outcome'>;
  transitions: Counter<'from' | 'to'>;
  deliveryAttempts: Counter<'destination' | 'outcome'>;
  deliveryDuration: Histogram<'destination'>;
  acknowledgements: Counter<'destination' | 'source' | 'applied'>;
  callbacksRefused: Counter<'destination' | 'reason'>;
  locateRuns: Counter<'outcome'>;
  jobRuns: Counter<'job' | 'outcome'>;
  /** Our own errors (bugs, missing data), by component: an alert, never a destination's fault. */
  internalErrors: Counter<'component'>;
  jobLastSuccess: Gauge<'job'>;
  circuitOpen: Gauge<'destination'>;
  handoversByState: Gauge<'state' | 'destination'>;
  overdueHandovers: Gauge<'destination'>;
  /** Past the last takedown mark, still with the destination, content not known to be down. */
  removalOverdueHandovers: Gauge<'destination'>;
  geoipDatabaseAgeSeconds: Gauge<never>;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    httpRequests: new Counter({ name: 'hrr_http_requests_total', help: 'HTTP requests answered', labelNames: ['method', 'route', 'status'], registers }),
    httpDuration: new Histogram({
      name: 'hrr_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    referralsAccepted: new Counter({
      name: 'hrr_referrals_total',
      help: 'Referrals received, by outcome (created, repeated, conflict)',
      labelNames: ['outcome'],
      registers,
    }),
    transitions: new Counter({
      name: 'hrr_handover_transitions_total',
      help: 'Handover state changes made by this process',
      labelNames: ['from', 'to'],
      registers,
    }),
    deliveryAttempts: new Counter({
      name: 'hrr_delivery_attempts_total',
      help: 'Delivery attempts by destination and outcome',
      labelNames: ['destination', 'outcome'],
      registers,
    }),
    deliveryDuration: new Histogram({
      name: 'hrr_delivery_duration_seconds',
      help: 'Duration of delivery attempts',
      labelNames: ['destination'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    acknowledgements: new Counter({
      name: 'hrr_acknowledgements_total',
      help: 'Acknowledgements received',
      labelNames: ['destination', 'source', 'applied'],
      registers,
    }),
    callbacksRefused: new Counter({
      name: 'hrr_callbacks_refused_total',
      help: 'Acknowledgement callbacks refused',
      labelNames: ['destination', 'reason'],
      registers,
    }),
    locateRuns: new Counter({ name: 'hrr_locate_total', help: 'Handovers located, by result', labelNames: ['outcome'], registers }),
    internalErrors: new Counter({
      name: 'hrr_internal_errors_total',
      help: 'Errors of our own (bugs, missing data), by component; alert on any',
      labelNames: ['component'],
      registers,
    }),
    jobRuns: new Counter({ name: 'hrr_job_runs_total', help: 'Scheduled job runs', labelNames: ['job', 'outcome'], registers }),
    jobLastSuccess: new Gauge({ name: 'hrr_job_last_success_timestamp_seconds', help: 'When each job last ran successfully', labelNames: ['job'], registers }),
    circuitOpen: new Gauge({
      name: 'hrr_destination_circuit_open',
      help: '1 while the circuit breaker of a destination is open',
      labelNames: ['destination'],
      registers,
    }),
    handoversByState: new Gauge({
      name: 'hrr_handovers',
      help: 'Handovers in the store by state and destination',
      labelNames: ['state', 'destination'],
      registers,
    }),
    overdueHandovers: new Gauge({ name: 'hrr_handovers_overdue', help: 'Handovers flagged overdue', labelNames: ['destination'], registers }),
    removalOverdueHandovers: new Gauge({
      name: 'hrr_handovers_removal_overdue',
      help: 'Handovers past the last takedown mark (TAKEDOWN_TARGETS) with the destination and their content not known to be down',
      labelNames: ['destination'],
      registers,
    }),
    // Prometheus base units: seconds, not days (promtool check metrics).
    geoipDatabaseAgeSeconds: new Gauge({ name: 'hrr_geoip_database_age_seconds', help: 'Age of the GeoIP country database in seconds', registers }),
  };
}
