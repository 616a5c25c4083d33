"""The Postiz MCP server (FACTS §4) on top of the ``mcp`` SDK's stateless streamable HTTP."""
