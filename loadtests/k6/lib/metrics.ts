/**
 * k6 metrics named after the shared catalogue (loadtests/scenarios/metrics.ts): distributions are
 * Trends (time), counters are Counters, gauges are Gauges. Created in the init context.
 */
import { Counter, Gauge, Trend } from 'k6/metrics';
import type { MetricName } from '../../scenarios/metrics.js';

const trend = (name: MetricName): Trend => new Trend(name, true);
const counter = (name: MetricName): Counter => new Counter(name);

export const deliveryLatency = trend('delivery_latency_ms');
export const publishAck = trend('publish_ack_ms');
export const schedulingLag = trend('scheduling_lag_ms');
export const handshake = trend('handshake_ms');
export const reconnectTime = trend('reconnect_ms');
export const resumeDelivery = trend('resume_delivery_ms');

export const published = counter('messages_published');
export const publishErrors = counter('publish_errors');
export const publishSkipped = counter('publish_skipped');
export const unacked = counter('messages_unacked');
export const delivered = counter('messages_delivered');
export const lost = counter('messages_lost');
export const duplicated = counter('messages_duplicated');
export const outOfOrder = counter('messages_out_of_order');
export const recovered = counter('messages_recovered');
export const resumeMissed = counter('resume_missed');
export const opened = counter('connections_opened');
export const connectFailures = counter('connect_failures');
export const disconnects = counter('disconnects');
export const reconnects = counter('reconnects');
export const clientsNotBack = counter('clients_not_back');

export const allBack = new Gauge('all_back_ms' satisfies MetricName);
