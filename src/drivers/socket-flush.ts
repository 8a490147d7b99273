import type { Socket } from 'node:net';

/** Resolves once every socket has handed all it was given to the kernel (or closed). */
export function socketsFlushed(sockets: Socket[]): Promise<void> {
  const pending = sockets.filter((socket) => socket.writableLength > 0 && !socket.destroyed);
  return Promise.all(pending.map((socket) => new Promise<void>((resolve) => {
    // Both listeners go once either fires: one left behind per batch would pile up on a busy socket.
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  }))).then(() => undefined);
}

export const bytesWritten = (sockets: Socket[]) => sockets.reduce((sum, socket) => sum + socket.bytesWritten, 0);

const settled = () => Promise.resolve();

/**
 * When an acknowledged batch's buffer may be reused, for either driver: with acks=0 a send settles once queued,
 * before a socket has written it, so the buffer waits for the sockets; otherwise at once.
 */
export function releasedAfter(acks: number, sockets: Socket[]): () => Promise<void> {
  return acks === 0 ? () => socketsFlushed(sockets) : settled;
}
