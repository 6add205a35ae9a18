import { MemoryStateStore } from '../../../src/store/memory-store.js';
import { describeStateStoreContract } from '../../support/state-store.contract.js';

describeStateStoreContract('memory', {
  open: async (clock) => new MemoryStateStore({ now: clock.now }),
});
