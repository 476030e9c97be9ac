/**
 * Everything the bench starts (Redis servers, child processes, connections)
 * registers how to stop it here, so it is stopped on every way out: normal
 * end, a thrown error, Ctrl-C or SIGTERM.
 */

type Disposer = () => Promise<void> | void;

const disposers = new Set<Disposer>();
let running: Promise<void> | undefined;

/** Registers a disposer; call the returned function once the resource was released normally. */
export function onCleanup(disposer: Disposer): () => void {
  disposers.add(disposer);
  return () => disposers.delete(disposer);
}

/** Runs every registered disposer, newest first; a failing one does not stop the rest. */
export function runCleanup(): Promise<void> {
  running ??= (async () => {
    for (const disposer of [...disposers].reverse()) {
      disposers.delete(disposer);
      try {
        await disposer();
      } catch (error) {
        console.error(`cleanup: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  })();
  return running;
}

/** Makes signals and crashes run the cleanup before the process exits. */
export function installExitHandlers(): void {
  const exitAfterCleanup = (code: number) => () => {
    void runCleanup().finally(() => process.exit(code));
  };
  process.once('SIGINT', exitAfterCleanup(130));
  process.once('SIGTERM', exitAfterCleanup(143));
  process.once('uncaughtException', (error) => {
    console.error(error);
    exitAfterCleanup(1)();
  });
  process.once('unhandledRejection', (reason) => {
    console.error(reason);
    exitAfterCleanup(1)();
  });
}
