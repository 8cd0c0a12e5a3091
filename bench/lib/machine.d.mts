// Types for machine.mjs (plain ESM, so `npm run bench` needs no build), for TypeScript callers
// such as tests/support/load.ts.

/** One line about the machine's load (load average, someone else's workerd processes). */
export declare function describeMachineLoad(): string;

/**
 * Starts measuring the CPU that processes NOT started by this process use; the returned function
 * gives their CPU seconds and average cores since the start (NaN where /proc is not available).
 */
export declare function otherProcessesCpuMeter(): () => { cpuSeconds: number; cores: number };
