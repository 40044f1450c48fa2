/**
 * `npm run eval`: accuracy and speed of every filter, on the project's fixtures and on the public
 * labelled data in ../shared/data (skipped, with a message, where that folder is absent).
 * Each module under scripts/eval/ measures one area and prints its own table.
 */
const modules = ['./eval/protocol-filters.ts', './eval/protocol-language.ts', './eval/abusive-language.ts', './eval/scope-check.ts'];

for (const path of modules) {
  const module: { run(): Promise<void> } = await import(path);
  await module.run();
}
