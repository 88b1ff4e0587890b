#!/usr/bin/env node
// The `siamese` command: runs src/cli/main.ts through tsx's loader (the package ships its
// TypeScript sources), so `npx siamese train ...` and `npm start` run the same code.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
