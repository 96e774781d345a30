// Specs that need Dynomite get its binary from DYNOMITE_BIN; without it their describe is skipped
// and one line says how to run them (no Dynomite is built or shipped here).
export function needsDynomite(spec: string): { bin: string | undefined; describe: jest.Describe } {
  const bin = process.env.DYNOMITE_BIN;
  if (!bin) console.warn(`${spec} skipped: set DYNOMITE_BIN to the dynomite binary (e.g. DYNOMITE_BIN=/opt/dynomite/bin/dynomite) to run it`);
  return { bin, describe: bin ? describe : describe.skip };
}
