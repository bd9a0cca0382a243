// Response schemas: fastify compiles them into fast serializers (and they pin the shape).
export const VIDEO_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    object: { type: 'string' },
    model: { type: 'string' },
    status: { type: 'string' },
    progress: { type: 'integer' },
    created_at: { type: 'integer' },
    completed_at: { type: ['integer', 'null'] },
    expires_at: { type: ['integer', 'null'] },
    prompt: { type: ['string', 'null'] },
    size: { type: 'string' },
    seconds: { type: 'string' },
    remixed_from_video_id: { type: ['string', 'null'] },
    error: {
      anyOf: [
        { type: 'null' },
        { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } }, required: ['code', 'message'] },
      ],
    },
  },
  required: ['id', 'object', 'model', 'status', 'progress', 'created_at', 'completed_at', 'expires_at', 'prompt', 'size', 'seconds', 'remixed_from_video_id', 'error'],
} as const;

export const VIDEO_LIST_SCHEMA = {
  type: 'object',
  properties: {
    object: { type: 'string' },
    data: { type: 'array', items: VIDEO_SCHEMA },
    first_id: { type: ['string', 'null'] },
    last_id: { type: ['string', 'null'] },
    has_more: { type: 'boolean' },
  },
  required: ['object', 'data', 'first_id', 'last_id', 'has_more'],
} as const;
