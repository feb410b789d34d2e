"""Model clients: OpenAI, Anthropic and OpenAI-compatible servers, with usage and price.

Graph nodes depend on `ModelClient` only and get one from `make_client`.
"""

from agent.llm.base import Completion, ModelClient, Usage
from agent.llm.factory import make_client
from agent.llm.model_string import ModelSpec, parse_model_string
from agent.llm.prices import estimate_cost, price_for

__all__ = [
    "Completion",
    "ModelClient",
    "ModelSpec",
    "Usage",
    "estimate_cost",
    "make_client",
    "parse_model_string",
    "price_for",
]
