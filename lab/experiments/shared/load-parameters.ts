/** Load parameters as report parameters (numbers and names such as the arrival model). */
export function loadParameters(load: object): Record<string, number | string> {
  return Object.fromEntries(
    Object.entries(load).filter(([, value]) => typeof value === 'number' || typeof value === 'string'),
  );
}
