import { DataExecutor } from "@curator/backend-data";
import { describeBackendConformance } from "@curator/conformance";

describeBackendConformance("backend-data", () => new DataExecutor());
