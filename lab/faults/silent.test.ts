import { describe, expect, it } from 'vitest';
import type { LabHost } from '../../runtime/hosts/host.js';
import type { LabNetwork } from '../../runtime/hosts/lab-network.js';
import { lossyLink, nemesisSteps, partition } from './silent.js';

/** A network whose firewall records the rules it is given (no namespaces needed). */
function recordingNetwork(): { network: LabNetwork; added: string[][] } {
  const added: string[][] = [];
  const firewall = {
    add: async (_tag: string, rules: readonly string[]) => {
      added.push([...rules]);
      return rules.map((_, index) => index + 1);
    },
    remove: async () => undefined,
    droppedPackets: async () => 7,
  };
  return { network: { firewall } as unknown as LabNetwork, added };
}

const host = (name: string, switchPort: string) =>
  ({ name, switchPort, spec: { name } }) as unknown as LabHost;

describe('silent nemeses as data', () => {
  it('a partition drops both directions between the groups, ARP excepted', async () => {
    const { network, added } = recordingNetwork();
    const nemesis = partition(network, [host('r1', 'p0'), host('r2', 'p1')], ['gateway']);
    expect(nemesis.target).toBe('{r1, r2} | {gateway}');
    await nemesis.inject();
    expect(added[0]).toEqual([
      'iifname { "p0", "p1" } oifname { "pgw" } ether type != arp counter drop',
      'iifname { "pgw" } oifname { "p0", "p1" } ether type != arp counter drop',
    ]);
    const healed = await nemesis.undo();
    expect(healed).toMatchObject({ kind: 'heal-partition', figures: { droppedPackets: 7 } });
  });

  it('loss takes a percentage with 0.01% steps and rejects nonsense', () => {
    const { network } = recordingNetwork();
    expect(() => lossyLink(network, host('r1', 'p0'), 0)).toThrow('loss must be in (0, 100] %, got 0');
    expect(lossyLink(network, host('r1', 'p0'), 1).target).toBe('link of r1 1%');
  });

  it('schedules inject and heal as two fault steps', () => {
    const { network } = recordingNetwork();
    const steps = nemesisSteps(partition(network, [host('r1', 'p0')], [host('redis', 'p2')]), 5_000, 30_000);
    expect(steps.map((step) => [step.atMs, step.fault, step.target])).toEqual([
      [5_000, 'partition', '{r1} | {redis}'],
      [35_000, 'heal-partition', '{r1} | {redis}'],
    ]);
  });
});
