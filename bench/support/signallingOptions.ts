import { parseArgs } from 'node:util';
import { z } from 'zod';
import { errorMessage } from '../../shared/errorMessage';

/** The signalling server refuses a voice room past this many members (DEFAULT_LIMITS.maxRoomSize). */
export const MAX_ROOM_SIZE = 50;
/** Members per workspace when --workspaces is not given: a team of 100, so the fan-out per event stays fixed. */
export const MEMBERS_PER_WORKSPACE = 100;

export const SIGNALLING_BENCH_USAGE = `usage: npm run bench:signalling -- [options]

  --clients N[,N...]   clients to connect; several sizes run one after another, smallest first, each against a
                       fresh server process (a ladder: --clients 1000,2500,5000,10000). Default 1000.
  --workspaces N       workspaces the clients are spread over. Default: one per ${MEMBERS_PER_WORKSPACE} clients.
  --rooms N            voice rooms per workspace; every client joins one. Default 5.
  --only connect       connect and join only (RSS and connect rate), without the presence and signal load.
  --timeout SECONDS    limit for each size; a size that does not finish in time is reported as failed and the
                       ladder stops there. Default: 120 + 0.05 per client.
  --help               this text.

Each room must get 2 to ${MAX_ROOM_SIZE} clients (the server's room limit), so clients / (workspaces x rooms) must
lie between those. Figures are printed, never asserted.`;

const count = (name: string, max: number) =>
  z
    .string()
    .regex(/^[1-9][0-9]*$/, `${name} takes a whole number`)
    .transform(Number)
    .pipe(z.number().max(max, `${name} is at most ${max}`));

const optionsSchema = z
  .strictObject({
    clients: z
      .string()
      .regex(/^[1-9][0-9]*(,[1-9][0-9]*)*$/, '--clients takes numbers separated by commas, like 1000,2500')
      .transform((text) => text.split(',').map(Number))
      .pipe(
        z
          .array(z.number().max(200_000, '--clients is at most 200000 per size'))
          .max(12, '--clients takes at most 12 sizes')
          .refine((sizes) => sizes.every((size, i) => i === 0 || size > (sizes[i - 1] ?? 0)), {
            message: '--clients sizes must grow from left to right',
          }),
      ),
    workspaces: count('--workspaces', 10_000).optional(),
    rooms: count('--rooms', 1000),
    only: z.enum(['connect'], { message: '--only takes "connect"' }).optional(),
    timeout: count('--timeout', 24 * 3600).optional(),
  })
  .superRefine((options, ctx) => {
    // zod goes on to refinements after a field's own issue; a shape from a refused number would only add noise.
    const counts = [...options.clients, options.rooms, options.workspaces ?? 1];
    if (!counts.every((n) => Number.isInteger(n) && n >= 1)) return;
    for (const clients of options.clients) {
      const shape = shapeFor(clients, options.workspaces, options.rooms);
      if (shape.workspaces > clients) {
        ctx.addIssue({ code: 'custom', message: `${clients} clients cannot fill ${shape.workspaces} workspaces` });
      } else if (shape.largestRoom > MAX_ROOM_SIZE) {
        ctx.addIssue({
          code: 'custom',
          message:
            `${clients} clients in ${shape.workspaces} workspaces x ${options.rooms} rooms puts ` +
            `${shape.largestRoom} in a room; the server allows ${MAX_ROOM_SIZE}: add workspaces or rooms`,
        });
      } else if (shape.smallestRoom < 2) {
        ctx.addIssue({
          code: 'custom',
          message:
            `${clients} clients in ${shape.workspaces} workspaces x ${options.rooms} rooms leaves a room with ` +
            `${shape.smallestRoom} (2 at least, to relay a signal): fewer workspaces or rooms`,
        });
      }
    }
  });

export interface BenchShape {
  readonly clients: number;
  readonly workspaces: number;
  readonly roomsPerWorkspace: number;
  readonly smallestRoom: number;
  readonly largestRoom: number;
}

/** How `clients` spread over workspaces and rooms: round-robin, so sizes differ by one at most. */
export function shapeFor(clients: number, workspaces: number | undefined, roomsPerWorkspace: number): BenchShape {
  const w = workspaces ?? Math.ceil(clients / MEMBERS_PER_WORKSPACE);
  const rooms = w * roomsPerWorkspace;
  return {
    clients,
    workspaces: w,
    roomsPerWorkspace,
    smallestRoom: Math.floor(clients / rooms),
    largestRoom: Math.ceil(clients / rooms),
  };
}

export interface SignallingBenchOptions {
  readonly sizes: readonly BenchShape[];
  readonly connectOnly: boolean;
  /** Per size, in milliseconds. */
  timeoutMs(clients: number): number;
}

/** Parses the bench's arguments; 'help' when asked for the usage, or an error message naming what was wrong. */
export function parseSignallingBenchArgs(
  argv: readonly string[],
): { ok: true; value: SignallingBenchOptions } | { ok: false; error: string } | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        clients: { type: 'string', default: '1000' },
        workspaces: { type: 'string' },
        rooms: { type: 'string', default: '5' },
        only: { type: 'string' },
        timeout: { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    return { ok: false, error: errorMessage(error, 'bad arguments') };
  }
  if (values.help === true) return 'help';
  const { help: _help, ...rest } = values;
  const parsed = optionsSchema.safeParse(rest);
  if (!parsed.success) return { ok: false, error: parsed.error.issues.map((issue) => issue.message).join('; ') };
  const { clients, workspaces, rooms, only, timeout } = parsed.data;
  return {
    ok: true,
    value: {
      sizes: clients.map((size) => shapeFor(size, workspaces, rooms)),
      connectOnly: only === 'connect',
      timeoutMs: (size) => (timeout ?? 120 + size * 0.05) * 1000,
    },
  };
}
