/**
 * The flags dept-api's `node` runs with, everywhere it runs: the Docker image's CMD
 * (docker/Dockerfile, so docker compose and Kubernetes too), `npm run start:dept-api`, the local
 * stack of `bench` and the chaos runs. test/deploy/node-flags.spec.ts checks that they agree.
 *
 * `--single-threaded-gc`: dept-api gets one CPU (the Deployment's limit is `cpu: '1'`; `bench`
 * pins it to one core). In ad hoc A/B runs (two processes of each build, each pinned to one core,
 * served in turns) dept-api's cached 10-row GET cost less CPU with it, `--no-concurrent-marking`
 * alone gave most of that, and the bare floor's cost did not change; at 1000 rows (50 kB Buffers,
 * external memory that starts full collections) the floor got cheaper and dept-api did not. The
 * likely mechanism, not measured directly: V8 marks the old generation concurrently on helper
 * threads, which on one CPU only run when the main thread yields, so a marking cycle stretches over
 * many requests and the main thread's pointer stores take the marking barrier's slow path for all
 * that time; dept-api's old generation is far larger than the floor's. The bench runs with and
 * without the flag are in docs/bench-runs.md ("One CPU, one GC thread"). The flag is not allowed
 * in NODE_OPTIONS and cannot be set at run time (`v8.setFlagsFromString` crashed the GC in a
 * trial), so it is on the command line. Where dept-api gets several CPUs, drop it: concurrent
 * marking then runs beside the requests.
 */
export const DEPT_API_NODE_FLAGS: readonly string[] = ['--single-threaded-gc'];
