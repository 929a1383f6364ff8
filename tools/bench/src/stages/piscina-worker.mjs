// Piscina's side of the dispatch benchmark: the same empty work as EmptyStage.
export default function identity(batch) {
	return batch;
}
