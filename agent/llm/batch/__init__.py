"""Model calls through the providers' batch APIs (`--batch`): half price, answers within hours.

A batch run's clients do not send a request; they look up its answer in the
store (`desk`), and queue it when there is none yet, which stops the run's step
until a batch brings the answer (`QueuedForBatch`). `apis` submits the queued
requests, checks the batches and reads their results, through the SDKs.
"""

from agent.llm.batch.desk import BatchDesk, QueuedForBatch, batch_desk, current_desk

__all__ = ["BatchDesk", "QueuedForBatch", "batch_desk", "current_desk"]
