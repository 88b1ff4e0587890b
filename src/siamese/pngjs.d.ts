// Minimal types for npm `pngjs` (it ships none): the synchronous encoder and decoder we use.
declare module 'pngjs' {
  export class PNG {
    constructor(options: { width: number; height: number });
    width: number;
    height: number;
    /** RGBA, 4 bytes per pixel, row-major. */
    data: Buffer;
    static sync: {
      write(png: PNG): Buffer;
      read(buffer: Buffer): PNG;
    };
  }
}
