import { runInNamespace } from './command.js';
import { FAULT_TABLE } from './names.js';

/**
 * The lab's one nftables table, `table bridge wslab_lab`, inside the switch namespace: it sees
 * every frame the lab bridge forwards between hosts (and the gateway), and nothing else on the
 * machine. Faults add rules to its `forward` chain, each tagged with a comment, and remove them by
 * handle. A drop here is silent: the sender sees no RST, no ICMP, only retransmissions.
 */
export class LabFirewall {
  constructor(private readonly switchNetnsPath: string) {}

  /** Creates the table and its chain (empty: everything passes). */
  async install(): Promise<void> {
    await runInNamespace(
      this.switchNetnsPath,
      'nft',
      ['-f', '-'],
      `table bridge ${FAULT_TABLE} {\n  chain forward {\n    type filter hook forward priority 0; policy accept;\n  }\n}\n`,
    );
  }

  /**
   * Adds `rules` (nft rule expressions, e.g. `iifname "p0" drop`) with the comment `tag`; returns
   * their handles for remove(). All of them or none: a failed rule removes the ones before it.
   */
  async add(tag: string, rules: readonly string[]): Promise<number[]> {
    if (!/^[A-Za-z0-9 _.:>-]{1,100}$/.test(tag)) throw new Error(`firewall tag has odd characters: "${tag}"`);
    const handles: number[] = [];
    try {
      for (const rule of rules) {
        const echoed = await runInNamespace(this.switchNetnsPath, 'nft', [
          '--echo',
          '--handle',
          'add',
          'rule',
          'bridge',
          FAULT_TABLE,
          'forward',
          ...rule.split(' '),
          'comment',
          `"${tag}"`,
        ]);
        const handle = /# handle (\d+)/.exec(echoed)?.[1];
        if (handle === undefined) throw new Error(`nft printed no handle for "${rule}": ${echoed.trim()}`);
        handles.push(Number(handle));
      }
    } catch (error) {
      await this.remove(handles);
      throw error;
    }
    return handles;
  }

  /** Deletes rules by handle (ones already gone are skipped). */
  async remove(handles: readonly number[]): Promise<void> {
    for (const handle of handles) {
      await runInNamespace(this.switchNetnsPath, 'nft', [
        'delete',
        'rule',
        'bridge',
        FAULT_TABLE,
        'forward',
        'handle',
        String(handle),
      ]).catch(() => undefined);
    }
  }

  /** The rules in force, as `nft list` prints them (for tests and status). */
  async listRules(): Promise<string[]> {
    const text = await runInNamespace(this.switchNetnsPath, 'nft', [
      'list',
      'chain',
      'bridge',
      FAULT_TABLE,
      'forward',
    ]);
    return text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.includes('comment'));
  }

  /** Packets a rule dropped so far, from its counter (rules are added with `counter`). */
  async droppedPackets(tag: string): Promise<number> {
    let total = 0;
    for (const line of await this.listRules()) {
      if (!line.includes(`comment "${tag}"`)) continue;
      total += Number(/packets (\d+)/.exec(line)?.[1] ?? 0);
    }
    return total;
  }
}
