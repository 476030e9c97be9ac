import { ConfigurableModuleBuilder } from '@nestjs/common';
import { DelayTaskModuleOptions } from './interfaces/delay-task-module-options.interface';

export const {
  ConfigurableModuleClass: DelayTaskConfigurableModule,
  MODULE_OPTIONS_TOKEN: DELAY_TASK_MODULE_OPTIONS,
  OPTIONS_TYPE: DELAY_TASK_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: DELAY_TASK_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<DelayTaskModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();
