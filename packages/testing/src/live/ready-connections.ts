import type { FakeLiveConnection } from './fake-live-connection.js';

interface Waiter {
  resolve: (conn: FakeLiveConnection) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** Connections whose setup arrived, handed out once each, in arrival order, to FIFO waiters. */
export class ReadyConnections {
  private readonly queue: FakeLiveConnection[] = [];
  private readonly waiters: Waiter[] = [];

  push(conn: FakeLiveConnection): void {
    const waiter = this.waiters.shift();
    if (waiter === undefined) {
      this.queue.push(conn);
      return;
    }
    clearTimeout(waiter.timer);
    waiter.resolve(conn);
  }

  next(timeoutMs: number): Promise<FakeLiveConnection> {
    const ready = this.queue.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise<FakeLiveConnection>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(new Error(`nextConnection: no connection sent its setup within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  close(error: Error): void {
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
  }
}
