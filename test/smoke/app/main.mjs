// Loads Nest 12 and the package through import, as an ES-module app does
// (named imports of the package's CommonJS build included).
import 'reflect-metadata';
import * as common from '@nestjs/common';
import * as core from '@nestjs/core';
import { Redis } from 'ioredis';
import { DelayTaskModule, DelayTaskService, OnKeyExpired } from 'nestjs-delay-task';
import smokeCheck from './smoke-check.cjs';

smokeCheck.main({
  label: 'esm',
  common,
  core,
  delayTask: { DelayTaskModule, DelayTaskService, OnKeyExpired },
  Redis,
});
