/** `npm run bench`: every benchmark, one after another, each printing its own table. */
const modules = ['./relay.ts', './council-mix.ts', './sla.ts'];

for (const path of modules) {
  const module: { run(): Promise<void> } = await import(path).catch((error: unknown) => {
    console.log(`\n(${path} not run: ${error instanceof Error ? error.message : String(error)})`);
    return { run: async () => {} };
  });
  await module.run();
}
