export default { base: './', build: { emptyOutDir: true } };
