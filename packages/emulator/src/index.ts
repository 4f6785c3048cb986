export { startEmulator } from './server.js';
export type {
  Emulator,
  EmulatorOptions,
  FaultKind,
  FaultRule,
  LatencyOptions,
  OperationName,
  ProviderName,
  RequestCounts,
  SageMakerContainer,
} from './types.js';
export { OPERATIONS, PROVIDER_OPERATIONS, PROVIDERS } from './types.js';
