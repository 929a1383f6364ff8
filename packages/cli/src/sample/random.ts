/** A small seeded pseudo-random generator (xorshift32): same seed, same sequence, everywhere. */
export class SeededRandom {
	state: number;

	constructor(seed: number) {
		// Spread the seed's bits so small seeds do not start in a weak state; never 0.
		this.state = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) >>> 0 || 0x1234567;
	}

	/** A float in [0, 1). */
	next(): number {
		let x = this.state;
		x ^= x << 13;
		x ^= x >>> 17;
		x ^= x << 5;
		this.state = x >>> 0;
		return this.state / 4294967296;
	}

	/** A whole number in [min, max]. */
	int(min: number, max: number): number {
		return min + Math.floor(this.next() * (max - min + 1));
	}

	/** One element of a non-empty list. */
	pick<T>(list: readonly T[]): T {
		return list[Math.floor(this.next() * list.length)] as T;
	}
}
