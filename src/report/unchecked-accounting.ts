/**
 * The accounting line of a run whose offsets could not be read after it (the cluster was gone), the same for every
 * command: what the run counted, and that nothing was checked against the broker.
 */
export function formatUncheckedAccounting(counted: string, what: string, reason: string): string {
  return `accounting: NOT CHECKED: ${counted}; ${what} could not be read after the run (${reason})`;
}
