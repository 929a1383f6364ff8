"""``python -m ray_js_bridge --connect <endpoint>``: the driver of one bridge run.

The TypeScript executor binds the endpoint and starts this process with the run's
session key in ``CURATOR_BRIDGE_SESSION`` (and CURVE keys when the endpoint is not
on loopback). Nothing is written to stdout on purpose: Ray writes there.
"""

from __future__ import annotations

import argparse
import sys

from .driver import run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ray_js_bridge", description=__doc__)
    parser.add_argument(
        "--connect",
        required=True,
        help="ZeroMQ endpoint of the executor, e.g. tcp://127.0.0.1:5555",
    )
    args = parser.parse_args(argv)
    return run(args.connect)


if __name__ == "__main__":
    sys.exit(main())
