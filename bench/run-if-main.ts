/** A benchmark file run on its own (`node dist/bench/NAME.js`) prints its one JSON line. */
import { pathToFileURL } from 'node:url';

/** Whether the module at `url` is the script node was started with. */
export function isMain(url: string): boolean {
  return process.argv[1] !== undefined && url === pathToFileURL(process.argv[1]).href;
}

/** Runs `bench` when the module at `url` is the script node was started with; exit code 1 on failure. */
export function runIfMain(url: string, bench: () => Promise<Record<string, unknown>>): void {
  if (!isMain(url)) return;
  bench().then(
    (r) => console.log(JSON.stringify(r)),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
