export {
  ConsumerMissingError,
  DirectoryKeyRequiredError,
  isConsumerMissingError,
  isDirectoryKeyRequiredError,
  isSignersUnavailableError,
  isSubmitRefusedError,
  SignersUnavailableError,
  SubmitRefusedError,
} from './errors.js';
export { readdressedBy } from './provenance.js';
export type { ProvenanceOptions, Readdressed, Refusal } from './provenance.js';
export type { DirectoryKeys, SignerList } from '@relay/directory';
export type { Problem, Receipt } from '@relay/wire';
export { hotlineClient } from './hotline.js';
export type { HotlineClient, HotlineClientOptions } from './hotline.js';
export { policeClient } from './police.js';
export type { PoliceClient, PoliceClientOptions } from './police.js';
export { ReportFormat, submitReport } from './submit.js';
export type { SubmitOptions } from './submit.js';
export { bindTenantConsumer } from './bind.js';
export type { Delivery, Deliveries } from '@relay/bus';
