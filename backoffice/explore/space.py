"""The space of runs: every order of the events allowed by the constraints, times every choice of gap
between consecutive events. Runs are numbered; any number maps back to its order and gaps, so an
exhaustive exploration walks 0 … size−1 and a sampled one draws distinct numbers with a seeded
random generator — the same seed, the same runs.

Orders are linear extensions of the constraints, counted and numbered (in lexicographic order of
the file's event positions) with one table over subsets of events, so no order is ever listed
that the constraints forbid.
"""
from __future__ import annotations

import random
from bisect import bisect_left
from dataclasses import dataclass

from .loader import Exploration, Gap


@dataclass(frozen=True)
class Run:
    index: int
    order: tuple[int, ...]       # event positions in the file
    gaps: tuple[Gap, ...]        # len(order) - 1 of them

    def moved(self) -> int:
        """Fewest events to move (take out and put back) to get this order from the file's own."""
        tails: list[int] = []    # longest increasing subsequence, patience style
        for x in self.order:
            i = bisect_left(tails, x)
            tails[i:i + 1] = [x]
        return len(self.order) - len(tails)

    def smallness(self) -> tuple:
        """Smallest example first: fewest events moved, then smallest gaps (total, then one by one)."""
        secs = tuple(g.delta.total_seconds() for g in self.gaps)
        return self.moved(), sum(secs), secs, self.order


class Space:
    def __init__(self, exploration: Exploration):
        names = exploration.names
        self.n = len(names)
        self.gaps = exploration.gaps
        self.preds = [0] * self.n
        for a, b in exploration.order:
            self.preds[names.index(b)] |= 1 << names.index(a)
        full = (1 << self.n) - 1
        # ways[mask]: the orders of the events not in mask, once those in mask are placed
        ways = [0] * (1 << self.n)
        ways[full] = 1
        for mask in range(full - 1, -1, -1):
            ways[mask] = sum(ways[mask | 1 << e] for e in self._free(mask))
        self.ways = ways
        self.orders = ways[0]
        self.gap_choices = len(self.gaps) ** max(self.n - 1, 0)
        self.size = self.orders * self.gap_choices

    def _free(self, mask: int) -> list[int]:
        return [e for e in range(self.n) if not mask >> e & 1 and self.preds[e] & ~mask == 0]

    def order_at(self, rank: int) -> tuple[int, ...]:
        mask, out = 0, []
        for _ in range(self.n):
            for e in self._free(mask):
                w = self.ways[mask | 1 << e]
                if rank < w:
                    out.append(e)
                    mask |= 1 << e
                    break
                rank -= w
        return tuple(out)

    def run_at(self, index: int) -> Run:
        rank, gap_index = divmod(index, self.gap_choices)
        gaps = []
        for _ in range(max(self.n - 1, 0)):
            gap_index, g = divmod(gap_index, len(self.gaps))
            gaps.append(self.gaps[g])
        return Run(index, self.order_at(rank), tuple(gaps))

    def plan(self, max_runs: int, seed: int) -> tuple[list[int], bool]:
        """The run numbers to explore and whether that is the whole space."""
        if self.size <= max_runs:
            return list(range(self.size)), True
        rng = random.Random(seed)
        if self.size <= 4 * max_runs:
            return sorted(rng.sample(range(self.size), max_runs)), False
        chosen: set[int] = set()
        while len(chosen) < max_runs:
            chosen.add(rng.randrange(self.size))
        return sorted(chosen), False
