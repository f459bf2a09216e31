import { z } from 'zod';

/**
 * What Janus sends us, checked before use. Janus is our own child process, but its answers still cross a process
 * boundary and its fields differ between versions, so each shape names what we read (typed) and lets the rest pass.
 */

export const jsepSchema = z.looseObject({
  type: z.enum(['offer', 'answer']),
  sdp: z.string().max(1024 * 1024),
});
export type Jsep = z.output<typeof jsepSchema>;

const pluginDataSchema = z.looseObject({ plugin: z.string(), data: z.record(z.string(), z.unknown()) });

const id = z.number().int().nonnegative();

export const janusCandidateSchema = z.union([
  z.looseObject({ completed: z.literal(true) }),
  z.looseObject({
    candidate: z.string().max(1024),
    sdpMid: z.string().max(64).nullable().optional(),
    sdpMLineIndex: z.number().int().min(0).max(1023).nullable().optional(),
  }),
]);
export type JanusCandidate = z.output<typeof janusCandidateSchema>;

export const janusMessageSchema = z.discriminatedUnion('janus', [
  z.looseObject({ janus: z.literal('ack'), transaction: z.string() }),
  z.looseObject({
    janus: z.literal('success'),
    transaction: z.string(),
    data: z.looseObject({ id }).optional(),
    plugindata: pluginDataSchema.optional(),
  }),
  z.looseObject({
    janus: z.literal('error'),
    transaction: z.string().optional(),
    error: z.looseObject({ code: z.number(), reason: z.string().optional() }),
  }),
  z.looseObject({
    janus: z.literal('event'),
    transaction: z.string().optional(),
    sender: id,
    plugindata: pluginDataSchema,
    jsep: jsepSchema.optional(),
  }),
  z.looseObject({ janus: z.literal('trickle'), sender: id, candidate: janusCandidateSchema }),
  z.looseObject({ janus: z.literal('webrtcup'), sender: id }),
  z.looseObject({ janus: z.literal('hangup'), sender: id, reason: z.string().optional() }),
  z.looseObject({ janus: z.literal('media'), sender: id }),
  z.looseObject({ janus: z.literal('slowlink'), sender: id }),
  z.looseObject({ janus: z.literal('detached'), sender: id }),
  z.looseObject({ janus: z.literal('timeout'), session_id: id }),
  z.looseObject({ janus: z.literal('server_info'), transaction: z.string(), version_string: z.string() }),
]);
export type JanusMessage = z.output<typeof janusMessageSchema>;

/** A VideoRoom stream as `attached`, `updated` and `publishers` events list it. */
export const subscriptionStreamSchema = z.looseObject({
  mid: z.string().max(64),
  type: z.string(),
  feed_id: z.union([z.string(), z.number()]).optional(),
  active: z.boolean().optional(),
});

export const publisherSchema = z.looseObject({
  id: z.union([z.string(), z.number()]),
  streams: z
    .array(z.looseObject({ mid: z.string().max(64), type: z.string(), disabled: z.boolean().optional() }))
    .optional(),
});
export type JanusPublisher = z.output<typeof publisherSchema>;

/** A VideoRoom plugin answer or event body (`plugindata.data`). */
export const videoRoomDataSchema = z.looseObject({
  videoroom: z.string(),
  error_code: z.number().optional(),
  error: z.string().optional(),
  publishers: z.array(publisherSchema).optional(),
  streams: z.array(subscriptionStreamSchema).optional(),
  unpublished: z.union([z.string(), z.number()]).optional(),
  leaving: z.union([z.string(), z.number()]).optional(),
  participants: z
    .array(z.looseObject({ id: z.union([z.string(), z.number()]), publisher: z.boolean().optional() }))
    .optional(),
  list: z.array(z.looseObject({ room: z.union([z.string(), z.number()]) })).optional(),
});
export type VideoRoomData = z.output<typeof videoRoomDataSchema>;
