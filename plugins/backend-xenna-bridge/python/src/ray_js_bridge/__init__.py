"""ray_js_bridge: the Python driver of the Curator TS Cosmos-Xenna bridge.

The TypeScript executor (@curator/backend-xenna-bridge) starts ``python -m
ray_js_bridge --connect <endpoint>`` and talks to it over ZeroMQ; the driver builds
a Cosmos-Xenna pipeline whose stages (named after the TypeScript stage classes)
forward opaque task bytes to Node worker hosts. Only the protocol modules load
without Ray; Ray and Cosmos-Xenna are imported when a run starts.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
