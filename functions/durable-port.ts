import type * as df from 'durable-functions';
import type { OrchestrationPort } from '../shared/workflow/port';

/** The durable client as the domain's OrchestrationPort. */
export function orchestrationPort(client: df.DurableClient): OrchestrationPort {
  return {
    async start(name, instanceId, input) {
      await client.startNew(name, { instanceId, input });
    },
    raiseEvent: (instanceId, event, data) => client.raiseEvent(instanceId, event, data),
    async isRunning(instanceId) {
      try {
        const status = await client.getStatus(instanceId);
        return status.runtimeStatus === 'Running' || status.runtimeStatus === 'Pending';
      } catch {
        return false; // never started
      }
    },
  };
}
