/** Creates a lab network, prints its namespace and link names as one JSON line, then waits to be killed (tests only). */
import { LabNetwork } from '../../runtime/hosts/lab-network.js';

const network = await LabNetwork.create({ name: 'held', hosts: [{ name: 'x' }, { name: 'y' }] });
process.stdout.write(
  `${JSON.stringify({ namespaces: network.namespaces(), gatewayLink: network.gatewayLink })}\n`,
);
setInterval(() => undefined, 60_000);
