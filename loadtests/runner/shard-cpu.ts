/**
 * The CPU a shard reports: what its own process used since the shard started. An inline shard
 * runs in the coordinator's process, which counts itself, so it reports zeros.
 */
export class ShardCpu {
  private readonly atStart = process.cpuUsage();

  constructor(private readonly reports: boolean) {}

  /** User + system CPU in µs since the shard started (0 when not reporting). */
  totalUs(): number {
    if (!this.reports) return 0;
    const cpu = process.cpuUsage(this.atStart);
    return cpu.user + cpu.system;
  }

  /** The split the final shard report carries (zeros when not reporting). */
  reportFields(): { cpuUserUs: number; cpuSystemUs: number } {
    const cpu = process.cpuUsage(this.atStart);
    return { cpuUserUs: this.reports ? cpu.user : 0, cpuSystemUs: this.reports ? cpu.system : 0 };
  }
}
