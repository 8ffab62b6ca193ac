// Vite config for the example (a plain object: no import of 'vite' needed).
export default {
  base: './', // relative URLs: the build works from any folder it is served from
  worker: { format: 'es' }, // module Worker; rope-wasm loads its build with a dynamic import
  // For `vite` (the dev server): keep the pre-bundler from moving rope-wasm's JS away from its
  // .wasm files (README "Install and load"). `vite build` does not need it.
  optimizeDeps: { exclude: ['rope-wasm'] },
};
