import { describe, expect, it } from 'vitest';
import { parseShowProc } from './master-cli.js';

describe('parseShowProc', () => {
  it('separates current and old workers (HAProxy 2.6 layout)', () => {
    const text = `#<PID>          <type>          <reloads>       <uptime>        <version>
1162            master          1 [failed: 0]   0d00h00m08s     2.6.12-1+deb12u4
# workers
1271            worker          0               0d00h00m00s     2.6.12-1+deb12u4
# old workers
1233            worker          1               0d00h00m08s     2.6.12-1+deb12u4
# programs
`;
    expect(parseShowProc(text)).toEqual({ masterPid: 1162, workers: [1271], oldWorkers: [1233] });
  });
});
