/** Shown when the page runs without the preload, instead of a blank window or a stack trace. */
export function MissingBridge() {
  return (
    <main className="standalone">
      <h1>whoot cannot start</h1>
      <p role="alert">This page must be opened by the whoot app. Start whoot from your applications menu.</p>
    </main>
  );
}
