#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
import { envExample } from './config.js';
import { repoPath } from './paths.js';

/** Writes .env.example at the repository root from the configuration schema. */
writeFileSync(repoPath('.env.example'), envExample());
process.stdout.write('wrote .env.example\n');
