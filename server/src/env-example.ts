#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
import { envExample } from './config.js';

/** Writes .env.example at the repository root from the configuration schema. */
writeFileSync(new URL('../../.env.example', import.meta.url), envExample());
process.stdout.write('wrote .env.example\n');
