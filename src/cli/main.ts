/**
 * @fileoverview The `structops` command: a thin dispatcher over the
 * subcommands (each in its own file). Returns the exit status.
 */
import { readFileSync } from "node:fs";
import { conformanceMain } from "./conformance.js";
import { tour } from "./tour.js";

const USAGE = `usage: structops <command> [options]

commands:
  tour                      narrated live swap of a BPF congestion control on the emulated kernel
  conformance [mem-hex]     bpf_conformance plugin: program hex on stdin, prints r0 in hex
              [--engine interp]
  help                      this text
`;

/** Runs the CLI with `argv` (without node and the script); resolves to the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case "tour":
      return tour((s) => process.stdout.write(s));
    case "conformance": {
      let stdin = "";
      try {
        stdin = readFileSync(0, "utf8");
      } catch {
        stdin = "";
      }
      return conformanceMain(rest, { stdin, stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) });
    }
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(USAGE);
      return cmd === undefined ? 2 : 0;
    default:
      process.stderr.write(`structops: unknown command '${cmd}'\n${USAGE}`);
      return 2;
  }
}
