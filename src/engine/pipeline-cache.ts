import { SHADERS, type ShaderName } from '../kernels/shaders.gen.js';

/**
 * Compiles each (shader, entry point, override constants) once. Shapes never enter the key:
 * they travel in uniforms, so a training loop compiles its pipelines in the first step only.
 */
export class PipelineCache {
  private modules = new Map<ShaderName, GPUShaderModule>();
  private pipelines = new Map<string, GPUComputePipeline>();
  /** The first compilation or validation error, kept so that the next readback can throw it. */
  error: Error | null = null;

  constructor(private device: GPUDevice) {}

  get size(): number {
    return this.pipelines.size;
  }

  get(shader: ShaderName, entry: string, constants: Record<string, number> = {}): GPUComputePipeline {
    const keys = Object.keys(constants).sort();
    const key = `${shader}:${entry}:${keys.map((k) => `${k}=${constants[k]}`).join(',')}`;
    let p = this.pipelines.get(key);
    if (p) return p;
    let module = this.modules.get(shader);
    if (!module) {
      const code = SHADERS[shader];
      if (code === undefined) throw new Error(`unknown shader '${shader}'`);
      module = this.device.createShaderModule({ label: shader, code });
      this.modules.set(shader, module);
      this.watchCompilation(shader, module);
    }
    this.device.pushErrorScope('validation');
    p = this.device.createComputePipeline({
      label: key,
      layout: 'auto',
      compute: { module, entryPoint: entry, constants },
    });
    void this.device.popErrorScope().then((err) => {
      if (err && !this.error) this.error = new Error(`pipeline ${key} failed to build: ${err.message}`);
    });
    this.pipelines.set(key, p);
    return p;
  }

  private watchCompilation(shader: ShaderName, module: GPUShaderModule): void {
    void module.getCompilationInfo?.().then((info) => {
      const errs = info.messages.filter((m) => m.type === 'error');
      if (errs.length && !this.error) {
        this.error = new Error(
          `shaders/${shader}.wgsl does not compile:\n` + errs.map((m) => `  line ${m.lineNum}:${m.linePos} ${m.message}`).join('\n'),
        );
      }
    });
  }
}
