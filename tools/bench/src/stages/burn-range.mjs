// The ceiling rows of the CPU benchmark: the same xorshift work as CpuStage on
// tasks [from, to), with no framework, in a worker thread or a child process.
import { parentPort, workerData } from "node:worker_threads";

function burnRange({ from, to, iterations }) {
	let sum = 0;
	for (let t = from; t < to; t++) {
		let x = t + 1;
		for (let i = 0; i < iterations; i++) {
			x ^= x << 13;
			x ^= x >>> 17;
			x ^= x << 5;
		}
		sum += x;
	}
	return sum;
}

if (parentPort !== null) {
	parentPort.postMessage(burnRange(workerData));
} else {
	process.once("message", (range) => {
		process.send(burnRange(range), () => process.disconnect());
	});
}
