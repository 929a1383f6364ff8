// Every benchmark module registers itself on import; add one line per new benchmark.
import "./demo-1m.ts";
import "./actor-pool.ts";
import "./data.ts";
import "./xenna-bridge.ts";
import "./bridge-throughput.ts";
