"""Ratio: what an accuracy scorer returns, hits out of total with a reason for every miss."""

from __future__ import annotations

from pydantic import BaseModel, Field, computed_field


class Ratio(BaseModel):
    """hits out of total, with a reason for every miss; value None when nothing was scored."""

    hits: int = 0
    total: int = 0
    misses: list[str] = Field(default_factory=list)
    missed: list[str] = Field(default_factory=list, description="What each miss is about (claim, 'claim paper' or anchor), to compare runs item by item.")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def value(self) -> float | None:
        return self.hits / self.total if self.total else None

    def hit(self) -> None:
        self.hits += 1
        self.total += 1

    def miss(self, reason: str, about: str) -> None:
        self.total += 1
        self.misses.append(reason)
        self.missed.append(about)

    def __add__(self, other: Ratio) -> Ratio:
        return Ratio(hits=self.hits + other.hits, total=self.total + other.total, misses=self.misses + other.misses, missed=self.missed + other.missed)
