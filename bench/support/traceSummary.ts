/**
 * Reads a Chromium trace (the JSON that tracing writes: `{ traceEvents: [...] }`) into self time per event name, per
 * thread name: what a thread spent its time on, each nested event's time counted once, in the innermost event.
 */

interface TraceEvent {
  readonly ph: string;
  readonly name: string;
  readonly pid: number;
  readonly tid: number;
  readonly ts: number;
  readonly dur?: number;
  readonly args?: { readonly name?: string };
}

interface Span {
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

/** Self milliseconds by event name, for every thread whose name passes `wanted`, summed across processes. */
export function selfTimeByThread(
  trace: string,
  wanted: (threadName: string) => boolean,
): Map<string, Map<string, number>> {
  const parsed = JSON.parse(trace) as { traceEvents?: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(parsed) ? parsed : (parsed.traceEvents ?? []);
  const threadNames = new Map<string, string>();
  for (const event of events) {
    if (event.ph === 'M' && event.name === 'thread_name' && event.args?.name !== undefined) {
      threadNames.set(`${event.pid}:${event.tid}`, event.args.name);
    }
  }
  const spans = new Map<string, Span[]>();
  const open = new Map<string, TraceEvent[]>();
  for (const event of events) {
    const thread = `${event.pid}:${event.tid}`;
    const name = threadNames.get(thread);
    if (name === undefined || !wanted(name)) continue;
    const list = spans.get(thread) ?? [];
    spans.set(thread, list);
    if (event.ph === 'X' && event.dur !== undefined) {
      list.push({ name: event.name, start: event.ts, end: event.ts + event.dur });
    } else if (event.ph === 'B') {
      const stack = open.get(thread) ?? [];
      open.set(thread, stack);
      stack.push(event);
    } else if (event.ph === 'E') {
      const begun = open.get(thread)?.pop();
      if (begun !== undefined) list.push({ name: begun.name, start: begun.ts, end: event.ts });
    }
  }
  const result = new Map<string, Map<string, number>>();
  for (const [thread, list] of spans) {
    const threadName = threadNames.get(thread) as string;
    const totals = result.get(threadName) ?? new Map<string, number>();
    result.set(threadName, totals);
    // Outer events first: by start, and the longer of two that start together.
    list.sort((x, y) => x.start - y.start || y.end - x.end);
    const stack: { span: Span; children: number }[] = [];
    const close = (entry: { span: Span; children: number }) => {
      const self = entry.span.end - entry.span.start - entry.children;
      totals.set(entry.span.name, (totals.get(entry.span.name) ?? 0) + self / 1000);
      const parent = stack.at(-1);
      if (parent !== undefined) parent.children += entry.span.end - entry.span.start;
    };
    for (const span of list) {
      for (let top = stack.at(-1); top !== undefined && top.span.end <= span.start; top = stack.at(-1)) {
        stack.pop();
        close(top);
      }
      stack.push({ span, children: 0 });
    }
    for (let top = stack.pop(); top !== undefined; top = stack.pop()) close(top);
  }
  return result;
}
