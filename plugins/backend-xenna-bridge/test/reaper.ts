// Watchdog of a test Ray cluster: `node reaper.ts <tempDir> <gcsPort> <ownerPid>`. Exits when the
// cluster was stopped (its temp dir is gone); kills it when the owner died first.
import { existsSync } from "node:fs";
import { killCluster } from "./cluster.ts";

const [tempDir, gcsPort, owner] = process.argv.slice(2);
const ownerPid = Number(owner);

function ownerAlive(): boolean {
	try {
		process.kill(ownerPid, 0);
		return true;
	} catch {
		return false;
	}
}

const timer = setInterval(() => {
	if (tempDir === undefined || !existsSync(tempDir)) {
		clearInterval(timer);
		return;
	}
	if (!ownerAlive()) {
		clearInterval(timer);
		killCluster(tempDir, Number(gcsPort));
	}
}, 2000);
