/** A progress line on stderr with the time of day; stdout stays for what a run hands back. */
export function log(line: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
}
