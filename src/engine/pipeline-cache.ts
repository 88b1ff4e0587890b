import { SHADERS, type ShaderName } from '../kernels/shaders.gen.js';
import { workgroupSizeOf } from './wgsl-workgroup.js';

/** What the profiler shows about one compiled pipeline; every launch of it shares this object. */
export interface PipelineInfo {
  /** The cache key: shader, entry point and override constants. */
  key: string;
  shader: string;
  entry: string;
  constants: Readonly<Record<string, number>>;
  /** The WGSL text the module was compiled from (the same string object, not a copy). */
  wgsl: string;
  /** The entry point's @workgroup_size with these constants; null where it could not be read. */
  workgroupSize: [number, number, number] | null;
}

/**
 * Compiles each (shader, entry point, override constants) once. Shapes never enter the key:
 * they travel in uniforms, so a training loop compiles its pipelines in the first step only.
 */
export class PipelineCache {
  private modules = new Map<ShaderName, GPUShaderModule>();
  private pipelines = new Map<string, GPUComputePipeline>();
  /** The WGSL each module was compiled from, and the profiler's descriptions (made on demand). */
  private sources = new Map<ShaderName, string>();
  private infos = new Map<string, PipelineInfo>();
  /** The first compilation or validation error, kept so that the next readback can throw it. */
  error: Error | null = null;

  constructor(private device: GPUDevice) {}

  get size(): number {
    return this.pipelines.size;
  }

  get(shader: ShaderName, entry: string, constants: Record<string, number> = {}): GPUComputePipeline {
    const key = pipelineKey(shader, entry, constants);
    let p = this.pipelines.get(key);
    if (p) return p;
    let module = this.modules.get(shader);
    if (!module) {
      const code = SHADERS[shader];
      if (code === undefined) throw new Error(`unknown shader '${shader}'`);
      module = this.device.createShaderModule({ label: shader, code });
      this.modules.set(shader, module);
      this.sources.set(shader, code);
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

  /**
   * The profiler's description of a pipeline (compiling it first if needed). Built once per
   * pipeline and shared, so that recording a launch costs a map lookup, not a string copy.
   */
  info(shader: ShaderName, entry: string, constants: Record<string, number> = {}): PipelineInfo {
    const key = pipelineKey(shader, entry, constants);
    let info = this.infos.get(key);
    if (info) return info;
    this.get(shader, entry, constants);
    const wgsl = this.sources.get(shader) ?? SHADERS[shader];
    info = { key, shader, entry, constants: { ...constants }, wgsl, workgroupSize: workgroupSizeOf(wgsl, entry, constants) };
    this.infos.set(key, info);
    return info;
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

/** Shapes never enter the key: only the shader, its entry point and its override constants. */
function pipelineKey(shader: ShaderName, entry: string, constants: Record<string, number>): string {
  const keys = Object.keys(constants).sort();
  return `${shader}:${entry}:${keys.map((k) => `${k}=${constants[k]}`).join(',')}`;
}
