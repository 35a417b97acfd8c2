import { connectProbe } from '../../../loadtests/abuse/connect-probe.js';
import { footprintMetrics, readFootprint, restartedComponents } from '../../../observe/footprint.js';
import { proxyRefusals } from '../../../observe/proxy-refusals.js';
import { PROXY_DEFAULTS } from '../../../proxy/options.js';
import type { Topology } from '../../../runtime/local/local-topology.js';
import { runAttackerProcess } from '../../faults/abuse.js';
import { defaultHeadline } from '../../report/default-headline.js';
import type { RunResultInput } from '../../report/schema.js';
import { compose } from '../check/checker.js';
import { validityChecker } from '../check/validity.js';
import type { Experiment, ExperimentContext } from '../experiment.js';
import { loadParameters } from '../shared/load-parameters.js';
import { describeLoad, streamLoad } from '../shared/load-sizes.js';
import { measureRun, withToken } from '../shared/measure.js';
import { withTopology } from '../shared/with-topology.js';
import { abuseChecker } from './checker.js';

/** The attacker's one address; normal load clients and the connect probe use others. */
export const STORM_ADDRESS = '127.0.0.200';
const PROBE_ADDRESS = '127.0.0.100';
/** Normal clients spread over 127.0.0.2 … 127.0.0.17 (none shares the attacker's address). */
const CLIENT_ADDRESSES = Array.from({ length: 16 }, (_, index) => `127.0.0.${index + 2}`);

/** Storm shape by mode: the 2000 attempts/s for 10 s in full mode. */
function stormShape(context: Pick<ExperimentContext, 'mode'>) {
  return context.mode === 'short'
    ? {
        attemptsPerS: 1_000,
        stormMs: 3_000,
        slowlorisConnections: 50,
        startMs: 1_000,
        loadMs: 6_000,
        // a short storm is slower than the default limit on a busy 2-core machine: tighten it
        connectRatePerAddressPerS: 100,
      }
    : {
        attemptsPerS: 2_000,
        stormMs: 10_000,
        slowlorisConnections: 200,
        startMs: 3_000,
        loadMs: 18_000,
        connectRatePerAddressPerS: PROXY_DEFAULTS.limits.connectRatePerAddressPerS,
      };
}

/** Abuse during one run: the probe always, the attacker (storm + slowloris) only when `storm`. */
async function abuseStep(
  topology: Topology,
  kind: 'haproxy' | 'nginx',
  storm: boolean,
  context: ExperimentContext,
) {
  const shape = stormShape(context);
  const proxy = topology.proxy(kind);
  const refusedBefore = await proxyRefusals(proxy.handle);
  // Slowloris outlasts the storm plus the proxy's request-head timeout: a proxy busy with the storm
  // may accept a dribbling connection late (it waits in the kernel's backlog, its timer not yet
  // started), and a window ending with the storm would call it "not cut" (a full run did: 0 of 200).
  const slowlorisMs = shape.stormMs + PROXY_DEFAULTS.timeouts.httpRequestMs + 3_000;
  const [probe, attack] = await Promise.all([
    connectProbe({
      url: proxy.wsUrl,
      localAddress: PROBE_ADDRESS,
      everyMs: 100,
      durationMs: shape.stormMs,
      ...withToken(await topology.clientToken()),
    }),
    storm
      ? runAttackerProcess(topology, {
          target: { host: '127.0.0.1', port: proxy.port },
          localAddress: STORM_ADDRESS,
          attemptsPerS: shape.attemptsPerS,
          stormMs: shape.stormMs,
          slowlorisConnections: shape.slowlorisConnections,
          slowlorisMs,
        })
      : undefined,
  ]);
  const footprint = await readFootprint(topology);
  const figures: Record<string, number> = {
    probeConnects: probe.attempts,
    probeConnectFailures: probe.failures,
    probeConnectP50Ms: probe.p50Ms,
    probeConnectP99Ms: probe.p99Ms,
    proxyRefusals: (await proxyRefusals(proxy.handle)) - refusedBefore,
  };
  if (attack) {
    figures.stormAttempts = attack.storm.attempts;
    figures.stormAccepted = attack.storm.accepted;
    figures.stormRefused429 = attack.storm.refused429;
    figures.stormRefusedOther = attack.storm.refusedOther;
    figures.stormFailed = attack.storm.failed;
    figures.slowlorisOpened = attack.slowloris.opened;
    figures.slowlorisClosedByProxy = attack.slowloris.closedByProxy;
    figures.slowlorisStillOpen = attack.slowloris.stillOpen;
    figures.slowlorisLongestHeldMs = attack.slowloris.longestHeldMs;
  }
  Object.assign(figures, footprintMetrics(footprint));
  return {
    kind: storm ? 'connect-storm' : 'connect-probe',
    detail: storm
      ? `${shape.attemptsPerS}/s upgrade attempts for ${shape.stormMs} ms and ${shape.slowlorisConnections} slowloris connections for ${slowlorisMs} ms from ${STORM_ADDRESS}`
      : `quiet: only the connect probe from ${PROBE_ADDRESS}`,
    figures,
  };
}

/**
 * One address attacks the edge (a connect storm plus slowloris upgrades) while normal clients
 * from other addresses keep receiving and a probe keeps connecting; the same run without the
 * attack is the baseline. Both proxies, one topology.
 */
export const abuse: Experiment = {
  name: 'abuse',
  title: 'Edge abuse: a connect storm and slowloris from one address',
  question:
    "Do the proxies' per-address limits keep one abusive address from hurting everyone else's connects and deliveries?",
  async measure(context) {
    const shape = stormShape(context);
    const load = streamLoad(context, { durationMs: shape.loadMs });
    const runs: RunResultInput[] = [];
    const restarts: string[] = [];
    await withTopology(
      context,
      'abuse',
      {
        proxy: 'both',
        replicas: 2,
        stickiness: 'none',
        proxyConnectRatePerAddressPerS: shape.connectRatePerAddressPerS,
      },
      async (topology) => {
        const first = await readFootprint(topology);
        for (const kind of ['haproxy', 'nginx'] as const) {
          for (const storm of [false, true]) {
            const label = `${kind} ${storm ? 'storm' : 'quiet'}`;
            context.progress.phase(`run ${label}`);
            runs.push(
              await measureRun({
                topology,
                label,
                parameters: {
                  proxy: kind,
                  storm,
                  load: describeLoad(load),
                  ...(storm ? { stormAddress: STORM_ADDRESS } : {}),
                },
                urls: [topology.proxy(kind).wsUrl],
                scenario: 'fanout',
                load,
                clients: { sourceAddresses: CLIENT_ADDRESSES },
                faults: [
                  {
                    atMs: shape.startMs,
                    fault: storm ? 'connect-storm' : 'connect-probe',
                    target: `${kind}'s public frontend`,
                    run: (t) => abuseStep(t, kind, storm, context),
                  },
                ],
                progress: context.progress,
              }),
            );
          }
        }
        restarts.push(...restartedComponents(first, await readFootprint(topology)));
      },
    );
    return {
      parameters: {
        replicas: 2,
        stormAttemptsPerS: shape.attemptsPerS,
        stormMs: shape.stormMs,
        slowlorisConnections: shape.slowlorisConnections,
        proxyConnectRatePerAddressPerS: shape.connectRatePerAddressPerS,
        proxyConnectionsPerAddress: PROXY_DEFAULTS.limits.connectionsPerAddress,
        ...loadParameters(load),
      },
      runs,
      restarted: restarts,
      notes: [
        `Attacker: ${STORM_ADDRESS}; normal load clients: ${CLIENT_ADDRESSES[0]} … ${CLIENT_ADDRESSES.at(-1)}; connect probe: ${PROBE_ADDRESS} (one WebSocket every 100 ms, opened and closed).`,
        'Storm attempts are raw upgrade requests closed as soon as the answer arrives; slowloris connections send one more header line per second and never finish the request.',
        'Proxy refusals: HAProxy haproxy_frontend_requests_denied_total, Nginx error-log "limiting …" lines (observe/proxy-refusals.ts).',
        'The attacker runs as its own process (loadtests/abuse/attacker-main.ts, scheduled by lab/faults/abuse.ts); it, the probe and the load share the 2 cores with the topology, so the storm also costs the measuring side CPU.',
        'Short mode lowers the per-address connect rate to 100/s: the short storm on a busy 2-core machine stays under the default 500/s.',
      ],
    };
  },
  check: compose(validityChecker, abuseChecker),
  // the shared default: latency percentiles and each run's key figures
  headline: defaultHeadline,
};
