// Exit codes and the one error type the commands throw. Documented in the README ("## CLI").
export const EXIT = {
  ok: 0,
  /** Anything else: the server unreachable, a server error, a rate limit. */
  general: 1,
  /** Bad arguments, or the server rejected the request as invalid (400, 413, 415). */
  usage: 2,
  /** No such video, character or model (404). */
  notFound: 3,
  /** No API key, or a wrong one (401, 403). */
  auth: 4,
  /** The video ended `failed`. */
  failed: 5,
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly extra: { status?: number; body?: unknown } = {},
  ) {
    super(message);
  }
  get status() {
    return this.extra.status;
  }
}
