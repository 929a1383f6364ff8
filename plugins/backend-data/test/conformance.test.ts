import { describeBackendConformance } from "@curator/conformance";
import { DataExecutor } from "../src/index.ts";

describeBackendConformance("backend-data (processes)", () => new DataExecutor());
describeBackendConformance(
	"backend-data (threads)",
	() => new DataExecutor({ isolation: "thread" }),
);
