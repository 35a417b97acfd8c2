import type { RunResultInput } from '../../report/schema.js';
import { compose } from '../check/checker.js';
import { validityChecker } from '../check/validity.js';
import type { Experiment } from '../experiment.js';
import { measureSilentRun } from '../shared/silent-run.js';
import { withTopology } from '../shared/with-topology.js';
import {
  holdMsFor,
  LOSSY_LINK_SPEC,
  LOSSY_SEND_BUFFER_BYTES,
  linkCasesFor,
  linkNemesis,
  PROXIES,
  PUBLISHER,
} from './cases.js';
import { lossyLinkChecker } from './checker.js';
import { lossyLinkHeadline } from './headline.js';

/**
 * Links that work badly instead of not at all: random loss between the proxy and the replicas
 * (1 %, 5 %), and a thin link towards the clients, behind each proxy: what latency does (p50,
 * p99), whether slow consumers are closed (1013) once their send buffer fills, and whether
 * anything acknowledged is lost.
 */
export const lossyLink: Experiment = {
  name: 'lossy-link',
  title: 'Lossy link: packet loss between proxy and replicas, a thin link towards the clients',
  question:
    'What do 1 % and 5 % loss between the proxy and the replicas, and a thin link towards the clients, do to latency, to slow-consumer closes and to delivery?',
  async measure(context) {
    const clients = context.mode === 'short' ? 10 : 30;
    const holdMs = holdMsFor(context.mode);
    const runs: RunResultInput[] = [];
    await withTopology(context, 'lossy-link', LOSSY_LINK_SPEC, async (topology) => {
      for (const link of linkCasesFor(context.mode)) {
        for (const proxy of PROXIES) {
          const label = `${proxy}, ${link.name}`;
          context.progress.phase(`run ${label}: ${clients} clients for ${holdMs} ms`);
          runs.push(
            await measureSilentRun({
              topology,
              label,
              parameters: {
                link: link.name,
                kind: link.kind,
                lossPercent: link.lossPercent ?? 0,
                rateMbitPerS: link.rateMbitPerS ?? null,
                payloadBytes: link.payloadBytes,
                publishIntervalMs: link.publishIntervalMs,
                holdMs,
              },
              proxy,
              // a link fault hits every client: they are all measured
              struckReplica: undefined,
              publisherReplica: PUBLISHER,
              clients,
              nemesis: (t) => linkNemesis(link, t),
              hold: 'fixed',
              holdMs,
              afterHealMs: 5_000,
              payloadBytes: link.payloadBytes,
              publishIntervalMs: link.publishIntervalMs,
              progress: context.progress,
            }),
          );
        }
      }
    });
    return {
      parameters: { clients, holdMs, sendBufferMaxBytes: LOSSY_SEND_BUFFER_BYTES },
      runs,
      notes: [
        `Clients join one room through the proxy (cookie stickiness, a token each); a publisher straight on ${PUBLISHER} sends with acks. Latency is publish → receive of the live messages received while the fault held (one clock: publisher and clients share the lab process).`,
        'Loss is nftables `numgen random` on the lab bridge between the replicas’ hosts and the proxies’ host, each direction; the thin link is a tbf on the bridge port towards this machine (where the clients run). No netem on this kernel: no added delay, so a retransmission costs the RTO (200 ms minimum), not a round trip of a real WAN.',
        `The replicas run with sendBufferMaxBytes ${LOSSY_SEND_BUFFER_BYTES} (256 KiB): a socket whose unsent bytes pass it is closed with 1013 and the client resumes with \`since\`. Before that, the bytes wait in the kernel's socket buffers and the proxy's, so a thin link shows first as latency.`,
      ],
    };
  },
  check: compose(validityChecker, lossyLinkChecker),
  headline: lossyLinkHeadline,
};
