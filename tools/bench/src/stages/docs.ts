import { ProcessingStage, registerModule, Task } from "@curator/core";
import { DocumentBatch } from "@curator/text";

/** One shard of generated documents: which one, and how many documents. */
export class ShardTask extends Task<{ shard: number; docs: number }> {
	override get numItems(): number {
		return 1;
	}
}

/** Source: turns the run's `EmptyTask` into `docs / perShard` shard descriptors (tiny tasks). */
export class ShardSource extends ProcessingStage<Task, ShardTask> {
	docs = 0;
	perShard = 1000;
	override process(): ShardTask[] {
		const shards: ShardTask[] = [];
		for (let start = 0, shard = 0; start < this.docs; start += this.perShard, shard++) {
			const docs = Math.min(this.perShard, this.docs - start);
			shards.push(new ShardTask({ datasetName: "generated", data: { shard, docs } }));
		}
		return shards;
	}
}

const words = (
	"the of and to in is that for it as was with be by on not he this are or his from at which but " +
	"have an they you were her she there one all we their been has when who will more no if out so " +
	"data model training language curation quality filter document corpus token sample"
).split(" ");

/** Generates a shard's documents lazily (when the shard is processed): 40 to 125 words each, about 500 bytes. */
export class GenerateDocuments extends ProcessingStage<ShardTask, DocumentBatch> {
	override process(task: ShardTask): DocumentBatch {
		const { shard, docs } = task.data;
		let x = (shard + 1) * 2654435761;
		const next = (): number => {
			x ^= x << 13;
			x ^= x >>> 17;
			x ^= x << 5;
			return x >>> 0;
		};
		const ids: string[] = new Array(docs);
		const texts: string[] = new Array(docs);
		for (let i = 0; i < docs; i++) {
			const count = 40 + (next() % 86);
			const parts: string[] = new Array(count);
			for (let w = 0; w < count; w++) parts[w] = words[next() % words.length] as string;
			ids[i] = `${shard}-${i}`;
			texts[i] = parts.join(" ");
		}
		return new DocumentBatch({ datasetName: task.datasetName, data: { id: ids, text: texts } });
	}
}

registerModule(import.meta.url, { ShardTask, ShardSource, GenerateDocuments });
