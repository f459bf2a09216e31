/** Keeps the end of what the hook printed: libuiohook says why it failed there (e.g. "XOpenDisplay failure!"). */
export function stderrTail(limit = 2000) {
  let text = '';
  return {
    add: (chunk: string) => {
      text = (text + chunk).slice(-limit);
    },
    last: () =>
      text
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line.length > 0)
        .at(-1) ?? null,
  };
}

export function describeExit(code: number | null, signal: string | null, lastLine: string | null): string {
  const how = signal !== null ? `signal ${signal}` : `code ${code ?? 'unknown'}`;
  return lastLine === null ? how : `${how}: ${lastLine.slice(0, 200)}`;
}
