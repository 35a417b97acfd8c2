import { describe, expect, it } from 'vitest';
import { LAB_HOST_BLOCK, labSubnet } from '../../topology/subnets.js';
import {
  checkNamePart,
  gatewayLinkName,
  gatewayLinkOwner,
  hostNamespace,
  namespaceOwner,
  switchNamespace,
} from './names.js';

describe('lab network names', () => {
  it('round-trips the owner pid through namespace and gateway link names', () => {
    expect(namespaceOwner(switchNamespace(4242, 'lab'))).toBe(4242);
    expect(namespaceOwner(hostNamespace(4242, 'lab', 'r1'))).toBe(4242);
    expect(gatewayLinkOwner(gatewayLinkName(4_194_304, 35))).toBe(4_194_304);
  });

  it('keeps the gateway link within the kernel limit of 15 characters for any pid', () => {
    expect(gatewayLinkName(4_194_304, 1295).length).toBeLessThanOrEqual(15);
  });

  it('never claims a name without the project prefix', () => {
    for (const name of [
      'eth0',
      'docker0',
      'br-49b30a6130d3',
      'vethca48b2d',
      'wslabx',
      'wslab-abc-sw',
      'cni-123',
    ]) {
      expect(namespaceOwner(name)).toBeUndefined();
      expect(gatewayLinkOwner(name)).toBeUndefined();
    }
  });

  it('rejects host names that would make odd namespace names', () => {
    expect(() => checkNamePart('lab host', 'Web-1')).toThrow(
      'lab host name must be 1 to 12 lower-case letters or digits, got "Web-1"',
    );
  });

  it('places host i at .10 + i of the network /24', () => {
    expect(labSubnet(7).host(0)).toBe(`${LAB_HOST_BLOCK.firstOctets}.7.10`);
    expect(labSubnet(7).gateway).toBe(`${LAB_HOST_BLOCK.firstOctets}.7.1`);
    expect(() => labSubnet(7).host(90)).toThrow('outside 0..89');
    expect(labSubnet(7).client(0)).toBe(`${LAB_HOST_BLOCK.firstOctets}.7.100`);
    expect(() => labSubnet(7).client(155)).toThrow('outside 0..154');
  });
});
