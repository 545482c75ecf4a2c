/**
 * @fileoverview Every limit `structops run` applies to its inputs, in one
 * place, with the reason for each. docs/scenarios.md ("Limits") lists them;
 * the file-size and run-size budgets can be raised on the command line, the
 * others are properties of the format or of the simulator (times must stay
 * exact integers of nanoseconds below 2^53).
 */

/** Largest scenario file read (bytes): a real scenario is a few KiB; `--max-input-size` raises it. */
export const MAX_SCENARIO_BYTES = 1 << 20;
/** Largest mahimahi trace read (bytes): millions of opportunities (real traces are a few MiB); `--max-input-size` raises it. */
export const MAX_TRACE_BYTES = 16 << 20;
/** Largest BPF object read (bytes); `--max-input-size` raises it. */
export const MAX_OBJECT_BYTES = 64 << 20;

/**
 * Most lines plus commas in a scenario document, checked before YAML parsing: every node needs one or
 * the other. 1000 flows written one per line fit several times over; the `yaml` package's parser takes
 * tens of microseconds per node, so this keeps parsing a hostile file well under a second.
 */
export const MAX_DOCUMENT_LINES = 10_000;
/**
 * Deepest nesting of flow collections (`[`, `{`), most block indicators (`- `, `? `, `: `) on one line, and
 * widest indentation (columns), checked before YAML parsing: the parser recurses per level.
 */
export const MAX_DOCUMENT_DEPTH = 64;
export const MAX_DOCUMENT_INDENT = 256;
/** Most YAML nodes (keys, values, list items, counting what aliases expand to) in a scenario document. */
export const MAX_DOCUMENT_NODES = 50_000;
/** Most aliases (`*name`) in a scenario document. */
export const MAX_ALIASES = 200;
/** Problems printed for a bad file (the rest are counted). */
export const MAX_ISSUES_SHOWN = 50;

/** Longest simulated time, and latest time any field may name: 1 day, far below 2^53 ns even summed. */
export const MAX_TIME_NS = 86_400 * 1e9;
/** Highest link rate (bit/s): 1 Tbit/s. */
export const MAX_RATE_BPS = 1e12;
/** Most flows after `count` expansion. */
export const MAX_FLOWS = 1000;
/** Latest timestamp in a mahimahi trace (ms): its period cannot exceed the longest run. */
export const MAX_TRACE_MS = MAX_TIME_NS / 1e6;

/** Default budget of simulator events for one run, estimated before it starts; `--max-events` raises it. */
export const DEFAULT_MAX_EVENTS = 50_000_000;
/** Default budget of trace bytes written by one run, estimated before it starts; `--max-output` raises it. */
export const DEFAULT_MAX_OUTPUT_BYTES = 512 << 20;
