'use strict';
// Loads Nest 12 (ESM-only) and the package through require(), as a CommonJS app does.
require('reflect-metadata');
const common = require('@nestjs/common');
const core = require('@nestjs/core');
const { Redis } = require('ioredis');
const delayTask = require('nestjs-delay-task');
const { main } = require('./smoke-check.cjs');

main({ label: 'cjs', common, core, delayTask, Redis });
