/** Test shim of `k6/timers`: Node's timers. */
export { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers';
