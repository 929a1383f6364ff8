import { ActorPoolExecutor } from "@curator/backend-actor-pool";
import { describeBackendConformance } from "@curator/conformance";

describeBackendConformance("backend-actor-pool", () => new ActorPoolExecutor());
