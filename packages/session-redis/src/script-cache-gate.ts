/** Sends one script call, by SHA (`EVALSHA`) or with its source (`EVAL`, which also caches it). */
export type SendScript = (useEval: boolean) => Promise<unknown>;

interface HeldCall {
  readonly seq: number;
  readonly send: SendScript;
  readonly resolve: (reply: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Keeps a client's calls of one script in the order they were made across a script cache miss.
 *
 * Calls by SHA are pipelined. When the server's cache is empty, every call already sent gets
 * NOSCRIPT, while a call sent after someone reloaded the script runs at once. Retrying each
 * miss on its own (EVAL as its reply comes back) would let later calls overtake it: one writer's
 * appends stored out of order, an older `app:` value written last. So on a miss (and before a
 * client's first call) the gate holds every new call, waits until every call in flight has
 * answered, runs the earliest miss with EVAL, and then sends the misses in the order they were
 * first made, and after them the held calls.
 *
 * Calls on two connections have no order to keep. One limit remains: if the cache is flushed
 * while a burst is in flight on one connection and another connection reloads the script before
 * the burst's later calls reach the server, those run by SHA ahead of the earlier ones that
 * missed. Awaited calls are always in order.
 */
export class ScriptCacheGate {
  /** The script is known to be cached: calls go out by SHA at once. */
  private cached = false;
  /** A call is running with EVAL to cache the script again; every other call waits for it. */
  private loading = false;
  /** Calls sent by SHA and not answered yet. */
  private inFlight = 0;
  /** Calls that got NOSCRIPT: all of them were made before any waiting call. */
  private missed: HeldCall[] = [];
  /** Calls made while the script was not known to be cached, in the order they were made. */
  private waiting: HeldCall[] = [];
  private nextSeq = 0;

  constructor(private readonly isMiss: (error: unknown) => boolean) {}

  run(send: SendScript): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const call: HeldCall = { seq: this.nextSeq++, send, resolve, reject };
      if (this.cached) return this.bySha(call);
      this.waiting.push(call);
      this.release();
    });
  }

  private bySha(call: HeldCall): void {
    this.inFlight++;
    sendOf(call, false).then(
      (reply) => {
        this.inFlight--;
        call.resolve(reply);
        this.release();
      },
      (error: unknown) => {
        this.inFlight--;
        if (this.isMiss(error)) {
          this.cached = false;
          this.missed.push(call);
        } else {
          call.reject(error);
        }
        this.release();
      },
    );
  }

  /** Once nothing is in flight: the earliest held call loads the script, then the rest go by SHA. */
  private release(): void {
    if (this.cached || this.loading || this.inFlight > 0) return;
    if (this.missed.length > 0) {
      // Replies from two cluster nodes may come back in either order: misses go by first sent.
      this.missed.sort((a, b) => a.seq - b.seq);
      this.waiting = this.missed.concat(this.waiting);
      this.missed = [];
    }
    const loader = this.waiting.shift();
    if (!loader) return;
    this.loading = true;
    sendOf(loader, true)
      .then(loader.resolve, loader.reject)
      .finally(() => {
        this.loading = false;
        // Even when the EVAL failed (a dropped connection), SHA is worth trying: a miss gates again.
        this.cached = true;
        const held = this.waiting;
        this.waiting = [];
        for (const call of held) this.bySha(call);
      });
  }
}

/** The call's reply; a send that throws instead of rejecting must not leave the gate counting it. */
function sendOf(call: HeldCall, useEval: boolean): Promise<unknown> {
  try {
    return call.send(useEval);
  } catch (error) {
    return Promise.reject(error);
  }
}
