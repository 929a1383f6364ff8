import { describeBackendConformance } from "@curator/conformance";
import { ActorPoolExecutor } from "../src/index.ts";

describeBackendConformance("backend-actor-pool (processes)", () => new ActorPoolExecutor());
describeBackendConformance(
	"backend-actor-pool (threads)",
	() => new ActorPoolExecutor({ isolation: "thread" }),
);
