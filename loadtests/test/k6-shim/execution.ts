/** Test shim of `k6/execution`: the harness sets the iteration before calling each exec function. */
const execution = {
  scenario: { iterationInTest: 0, startTime: Date.now() },
  vu: { idInTest: 1, iterationInScenario: 0 },
};
export default execution;
