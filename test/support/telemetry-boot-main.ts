/**
 * A child process that boots DelayTaskModule with the options in
 * BOOT_OPTIONS (JSON, connection from REDIS_URL) and prints one JSON line:
 * the error it failed with, or which optional peers got loaded.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DelayTaskModule } from '../../lib';

@Module({})
class BootModule {}

const PEERS = ['prom-client', '@opentelemetry/api'];

function loaded(name: string): boolean {
  const marker = `/node_modules/${name}/`;
  return Object.keys(require.cache).some((path) => path.includes(marker));
}

async function main(): Promise<void> {
  const options = JSON.parse(process.env.BOOT_OPTIONS ?? '{}') as object;
  try {
    const app = await NestFactory.createApplicationContext(
      {
        module: BootModule,
        imports: [DelayTaskModule.forRoot({ connection: process.env.REDIS_URL!, ...options })],
      },
      { logger: false, abortOnError: false },
    );
    await app.close();
    console.log(JSON.stringify({ loaded: PEERS.filter(loaded) }));
  } catch (error) {
    console.log(
      JSON.stringify({ error: (error as Error).name, message: (error as Error).message }),
    );
  }
}

void main();
