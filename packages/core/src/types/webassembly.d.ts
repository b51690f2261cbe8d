/**
 * The part of the WebAssembly JavaScript API Carve uses. Node 20 has the global, but @types/node 20 does not
 * declare it (TypeScript's lib.dom does, which a Node library should not pull in).
 */
declare namespace WebAssembly {
  class Module {
    constructor(bytes: BufferSource);
  }
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number });
    readonly buffer: ArrayBuffer;
    grow(pages: number): number;
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
}
