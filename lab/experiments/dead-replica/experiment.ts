import { tunnelTimeoutMsFor } from '../../../proxy/options.js';
import type { RunResultInput } from '../../report/schema.js';
import { compose } from '../check/checker.js';
import { validityChecker } from '../check/validity.js';
import type { Experiment } from '../experiment.js';
import { BACK_WITHIN_MS, measureSilentRun } from '../shared/silent-run.js';
import { withTopology } from '../shared/with-topology.js';
import { DEATHS, deadReplicaSpec, deathOf, PROXIES, PUBLISHER, STRUCK, settingsFor } from './cases.js';
import { deadReplicaChecker } from './checker.js';
import { deadReplicaHeadline } from './headline.js';

/**
 * One replica dies three ways — SIGKILL, SIGSTOP (a hang), its host blackholed (a host that lost
 * power or network) — behind HAProxy and behind Nginx, with the default heartbeat and tunnel
 * timeout and (full mode) others: when does every client of the dead replica receive again, is an
 * acknowledged message lost, and did a reconnect land on the dead replica again?
 */
export const deadReplica: Experiment = {
  name: 'dead-replica',
  title: 'Dead replica: SIGKILL vs freeze vs blackholed host, through HAProxy and Nginx',
  question:
    'When a replica dies without a word (frozen, or its host gone), how soon does every one of its clients receive again, through each proxy, and is anything lost?',
  async measure(context) {
    const short = context.mode === 'short';
    const clients = short ? 10 : 30;
    const runs: RunResultInput[] = [];
    for (const setting of settingsFor(context.mode)) {
      await withTopology(
        context,
        `dead-replica-${setting.name.replaceAll(' ', '-')}`,
        deadReplicaSpec(setting),
        async (topology) => {
          // proxies alternate: while one proxy's run goes on, the other's health checks see the
          // healed replica up again (no waiting for it between runs)
          for (const death of DEATHS) {
            for (const proxy of PROXIES) {
              const label = `${proxy} ${death}${setting.name === 'defaults' ? '' : `, ${setting.name}`}`;
              context.progress.phase(`run ${label}: ${clients} clients, ${STRUCK} dies`);
              runs.push(
                await measureSilentRun({
                  topology,
                  label,
                  parameters: {
                    death,
                    setting: setting.name,
                    heartbeatIntervalMs: topology.spec.heartbeatIntervalMs,
                    proxyTunnelTimeoutMs:
                      topology.spec.proxyTunnelTimeoutMs ??
                      tunnelTimeoutMsFor(topology.spec.heartbeatIntervalMs),
                  },
                  proxy,
                  struckReplica: STRUCK,
                  publisherReplica: PUBLISHER,
                  clients,
                  nemesis: (t) => deathOf(death, t, STRUCK),
                  hold: 'until-back',
                  holdMs: 3 * BACK_WITHIN_MS,
                  afterHealMs: BACK_WITHIN_MS,
                  progress: context.progress,
                }),
              );
            }
          }
        },
      );
    }
    return {
      parameters: { clients, struck: STRUCK, publisher: PUBLISHER, backWithinMs: BACK_WITHIN_MS },
      runs,
      notes: [
        `Clients join one room through the proxy (cookie stickiness, a cookie jar each, a token each), answer the application heartbeat as a browser does and reconnect with \`since\` when their connection drops or falls silent (app/PROTOCOL.md, "Liveness"); a publisher straight on ${PUBLISHER} sends 10 msg/s with acks.`,
        `The fault holds until every client that was on ${STRUCK} received again (or ${(3 * BACK_WITHIN_MS) / 1000} s), then it is healed (SIGCONT, the drop rules removed, the killed replica started again).`,
        'Lab hosts have no propagation delay between them (no netem on this kernel): the figures are what timeouts and health checks cost, not what distance adds.',
      ],
    };
  },
  check: compose(validityChecker, deadReplicaChecker),
  headline: deadReplicaHeadline,
};
