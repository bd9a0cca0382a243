// The contract's error envelope: {"error": {message, type, param, code}}.
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string = 'invalid_request_error',
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toJSON() {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const invalidValue = (param: string, message: string) => new ApiError(400, message, 'invalid_request_error', param, 'invalid_value');
export const invalidType = (param: string, message: string) => new ApiError(400, message, 'invalid_request_error', param, 'invalid_type');
export const missing = (param: string) =>
  new ApiError(400, `Missing required parameter: '${param}'.`, 'invalid_request_error', param, 'missing_required_parameter');
export const unknownParam = (param: string) =>
  new ApiError(400, `Unknown parameter: '${param}'.`, 'invalid_request_error', param, 'unknown_parameter');
export const invalidRequest = (message: string, param: string | null = null, code: string | null = null) =>
  new ApiError(400, message, 'invalid_request_error', param, code);
export const notFound = (message: string, param: string | null = null) =>
  new ApiError(404, message, 'invalid_request_error', param, 'not_found');
export const tooLarge = (message: string) => new ApiError(413, message, 'invalid_request_error', null, 'request_too_large');

/** English list as OpenAI writes it: 'a', 'b', and 'c' (or "or"). */
export function quoteList(values: readonly string[], conj: 'and' | 'or'): string {
  const q = values.map((v) => `'${v}'`);
  if (q.length <= 1) return q.join('');
  if (q.length === 2) return `${q[0]} ${conj} ${q[1]}`;
  return `${q.slice(0, -1).join(', ')}, ${conj} ${q[q.length - 1]}`;
}
