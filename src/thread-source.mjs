// starts a TypeScript worker module when running from source (tests, tsx); startThread passes its
// URL as the last argument. A build runs the compiled .js module directly.
import { register } from 'tsx/esm/api';

register();
await import(process.argv[process.argv.length - 1]);
