/** Documents in the embedded sample. */
export const SAMPLE_COUNT = 4000;

/** Files the embedded sample is split into. */
export const SAMPLE_FILES = 4;
