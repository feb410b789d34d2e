"""Record and replay HTTP traffic with vcrpy: scrubbing, readable cassettes, misses.

Recording is applied by whoever builds the services: model clients and the
arXiv transport never import this package. In replay a miss reaches them as
Retest's CassetteMissError, raised by vcrpy's stub, which they find in the
exception chain with `agent.errors.find_in_chain`.

Public API:
- `cassette(mode, path)`: context manager for "live", "record" or "replay".
- `call_context(node, claim)`: names the sender of requests in a miss message.
- `cassette_miss_from(exc, method=, url=)`: a CassetteMissError for a miss anywhere in
  exc's chain (Retest's or vcrpy's own), else None.
- `max_retries_for(mode)`: SDK retries to use (0 in replay).
- `configure_vcr(vcr)` and `vcr_options()`: the one vcrpy configuration, also
  used by tests/conftest.py.
"""

from agent.callsite import CallSite, call_context, current_call
from agent.recording.cassette import (
    CassetteHandle,
    Mode,
    active_mode,
    cassette,
    configure_vcr,
    incomplete_path,
    max_retries_for,
    vcr_options,
)
from agent.recording.matching import body_projection
from agent.recording.misses import cassette_miss_from
from agent.recording.serializer import NAME as SERIALIZER_NAME

__all__ = [
    "SERIALIZER_NAME",
    "CallSite",
    "CassetteHandle",
    "Mode",
    "active_mode",
    "body_projection",
    "call_context",
    "cassette",
    "incomplete_path",
    "cassette_miss_from",
    "configure_vcr",
    "current_call",
    "max_retries_for",
    "vcr_options",
]
