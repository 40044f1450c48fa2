// starts the TypeScript worker when running from source (tests, tsx); a build runs screening-worker.js
import { register } from 'tsx/esm/api';

register();
await import('./screening-worker.ts');
