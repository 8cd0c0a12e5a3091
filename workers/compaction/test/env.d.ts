// The tests write Parquet files as Cloudflare Pipelines would, with parquet-wasm's bundled module.
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
