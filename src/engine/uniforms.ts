/**
 * Builds the bytes of a WGSL `Uniforms` struct field by field. Every field we use is a 4-byte
 * scalar or an array of them packed as `array<vec4<u32>, N>` (uniform arrays need 16-byte
 * strides), so the layout is simply the order of the calls, padded to 16 bytes at the end.
 */
export class Uniforms {
  private words: number[] = [];
  private kinds: ('u32' | 'i32' | 'f32')[] = [];

  u32(...values: number[]): this {
    for (const v of values) {
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`uniform u32 out of range: ${v}`);
      this.words.push(v);
      this.kinds.push('u32');
    }
    return this;
  }

  i32(...values: number[]): this {
    for (const v of values) {
      this.words.push(v | 0);
      this.kinds.push('i32');
    }
    return this;
  }

  f32(...values: number[]): this {
    for (const v of values) {
      this.words.push(v);
      this.kinds.push('f32');
    }
    return this;
  }

  /** Pads with zero words to the next multiple of 4 words (a vec4 boundary). */
  align16(): this {
    while (this.words.length % 4) this.u32(0);
    return this;
  }

  /** `n` u32 values padded to a multiple of 4: the layout of `array<vec4<u32>, n/4>`. */
  u32Array(values: readonly number[], n: number): this {
    if (values.length > n) throw new Error(`uniform array holds ${n} values, got ${values.length}`);
    this.align16();
    for (let i = 0; i < n; i++) this.u32(values[i] ?? 0);
    return this.align16();
  }

  bytes(): ArrayBuffer {
    this.align16();
    const buf = new ArrayBuffer(Math.max(16, this.words.length * 4));
    const u = new Uint32Array(buf);
    const i = new Int32Array(buf);
    const f = new Float32Array(buf);
    this.words.forEach((w, k) => {
      if (this.kinds[k] === 'f32') f[k] = w;
      else if (this.kinds[k] === 'i32') i[k] = w;
      else u[k] = w;
    });
    return buf;
  }
}
