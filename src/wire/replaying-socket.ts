/**
 * @module wire/replaying-socket
 *
 * A Duplex over a TCP socket that first yields bytes already read from it.
 * The one-port listener reads the first bytes of a connection to decide
 * between gRPC and HTTP/1.1; `socket.unshift()` can give them back to an
 * HTTP/1.1 parser, but node:http2 reads straight from the native handle and
 * would never see them, so the HTTP/2 side gets this wrapper instead.
 */
import { Duplex } from "node:stream";
import type { Socket } from "node:net";

export class ReplayingSocket extends Duplex {
  readonly #socket: Socket;

  constructor(socket: Socket, alreadyRead: Buffer) {
    super({ allowHalfOpen: false });
    this.#socket = socket;
    this.push(alreadyRead);
    socket.on("data", (chunk: Buffer) => {
      if (!this.push(chunk)) socket.pause();
    });
    socket.on("end", () => this.push(null));
    socket.on("error", (error) => this.destroy(error));
    socket.on("close", () => this.destroy());
  }

  override _read(): void {
    this.#socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#socket.write(chunk, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#socket.end(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#socket.destroy(error ?? undefined);
    callback(error);
  }

  // What http2 and grpc-js ask of their socket (peer address, socket options).
  get remoteAddress(): string | undefined {
    return this.#socket.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.#socket.remotePort;
  }

  get remoteFamily(): string | undefined {
    return this.#socket.remoteFamily;
  }

  get localAddress(): string | undefined {
    return this.#socket.localAddress;
  }

  get localPort(): number | undefined {
    return this.#socket.localPort;
  }

  setNoDelay(noDelay?: boolean): this {
    this.#socket.setNoDelay(noDelay);
    return this;
  }

  setKeepAlive(enable?: boolean, initialDelay?: number): this {
    this.#socket.setKeepAlive(enable, initialDelay);
    return this;
  }

  setTimeout(timeout: number, callback?: () => void): this {
    this.#socket.setTimeout(timeout, callback);
    return this;
  }
}
