"""Entry point for LangGraph's own server and Studio (see langgraph.json).

The server supplies its own checkpointer and calls the graph with no Retest
context, so nodes build live services from settings (keys from the environment).
"""

from agent.graph.build import build_graph

graph = build_graph().compile()
