// wrangler and the vitest pool bundle a `.wasm` import as a compiled WebAssembly.Module (workerd
// compiles it at upload; compiling at run time is forbidden). Workers get this from their
// generated worker-configuration.d.ts; the packages' tsconfig needs it here.
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
