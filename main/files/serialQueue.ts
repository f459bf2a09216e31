/**
 * Runs tasks one at a time in the order they were handed in, whatever became of the one before: one writer per
 * file, so two quick changes land on disk in the order they were made.
 */
export function serialQueue(): <T>(task: () => Promise<T>) => Promise<T> {
  let queue: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  };
}
