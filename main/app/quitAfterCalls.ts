import { app } from 'electron';
import type { IpcDispatcher } from '../ipc/registerHandlers';

/** Longest a quit waits for the page's last calls: a server that does not answer must not hold the app open. */
const QUIT_WAIT_MS = 5000;

/**
 * Quitting waits (a few seconds at most) for IPC calls still running, so what the page sent as its window closed
 * (a delete whose Undo was still showing, the outbox's last save) reaches the server and the disk.
 */
export function holdQuitForCalls(dispatcher: Pick<IpcDispatcher, 'settled'>): void {
  let phase: 'open' | 'waiting' | 'done' = 'open';
  app.on('before-quit', (event) => {
    if (phase === 'done') return;
    event.preventDefault();
    if (phase === 'waiting') return;
    phase = 'waiting';
    const limit = new Promise((resolve) => setTimeout(resolve, QUIT_WAIT_MS));
    void Promise.race([dispatcher.settled(), limit]).finally(() => {
      phase = 'done';
      app.quit();
    });
  });
}
