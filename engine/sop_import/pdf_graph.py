"""Loose strokes joined into what they draw: symbol outlines, open arrowheads and arrow shafts.

Office suites often draw a diamond as four lines, a capsule as two arcs and two lines, and an
arrowhead as a "V" of two short lines. The strokes are joined at shared end points into a graph;
chains of strokes between junctions are the graph's edges. Then:
- a "V" is two short free strokes meeting at the end of a third (the shaft), symmetric about it;
- a symbol is a convex cycle (all five Permenpan symbols are convex outlines; an arrow loop
  through two symbols is not);
- what is left are arrow shafts, one per chain.
"""
from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

from engine.sop_import.pdf_paths import Piece, Point

TOL = 2.0  # points: stroke ends closer than this meet
HEAD_MAX = 12.0  # an arrowhead is at most this big
MIN_OUTLINE = 6.0  # a symbol outline is at least this big both ways


@dataclass
class Segment:
    a: Point
    b: Point
    curved: bool = False


@dataclass
class Chain:
    points: list[Point]
    curved: bool
    start: int  # node ids; equal for a closed loop
    end: int

    @property
    def length(self) -> float:
        return sum(math.dist(p, q) for p, q in zip(self.points, self.points[1:]))


class _Nodes:
    """Stroke ends clustered within TOL (a grid hash keeps it linear)."""

    def __init__(self):
        self.points: list[Point] = []
        self._grid: dict[tuple[int, int], list[int]] = {}

    def id(self, point: Point) -> int:
        gx, gy = int(point[0] // TOL), int(point[1] // TOL)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for index in self._grid.get((gx + dx, gy + dy), ()):
                    if math.dist(self.points[index], point) <= TOL:
                        return index
        self.points.append(point)
        self._grid.setdefault((gx, gy), []).append(len(self.points) - 1)
        return len(self.points) - 1


def chains(segments: list[Segment]) -> list[Chain]:
    """Maximal runs of strokes through nodes where exactly two strokes meet."""
    nodes = _Nodes()
    ends: list[tuple[int, int]] = []
    kept: list[Segment] = []
    for segment in segments:
        u, v = nodes.id(segment.a), nodes.id(segment.b)
        if u != v:
            kept.append(segment)
            ends.append((u, v))
    incident: dict[int, list[int]] = {}
    for index, (u, v) in enumerate(ends):
        incident.setdefault(u, []).append(index)
        incident.setdefault(v, []).append(index)
    used = [False] * len(kept)

    def walk(node: int, index: int) -> Chain:
        start, curved = node, False
        points = [nodes.points[node]]
        while True:
            used[index] = True
            u, v = ends[index]
            segment = kept[index]
            node = v if u == node else u
            points.append(segment.b if node == v else segment.a)
            curved = curved or segment.curved
            following = [i for i in incident[node] if not used[i]]
            if len(incident[node]) != 2 or not following:
                return Chain(points, curved, start, node)
            index = following[0]

    result = []
    for node, indices in incident.items():
        if len(indices) != 2:
            result += [walk(node, i) for i in indices if not used[i]]
    for index, (u, _) in enumerate(ends):
        if not used[index]:  # a ring of strokes with no junction: a closed outline
            result.append(walk(u, index))
    return result


def _angle(u: Point, v: Point) -> float:
    cos = (u[0] * v[0] + u[1] * v[1]) / (math.hypot(*u) * math.hypot(*v) or 1.0)
    return math.degrees(math.acos(max(-1.0, min(1.0, cos))))


def _away(chain: Chain, node: int) -> tuple[Point, Point]:
    """(the node's point, the chain's next point away from it)."""
    return (chain.points[0], chain.points[1]) if chain.start == node else (chain.points[-1], chain.points[-2])


def _is_v(tip: Point, wing1: Point, wing2: Point, back: Point) -> bool:
    """Two wings of like length, one either side of the shaft, opening back along it.

    The test is on the wings' bisector, not on each wing, because the shaft's last drawn piece
    only approximates its direction when the shaft is a sampled curve.
    """
    w1, w2 = (wing1[0] - tip[0], wing1[1] - tip[1]), (wing2[0] - tip[0], wing2[1] - tip[1])
    s = (back[0] - tip[0], back[1] - tip[1])
    l1, l2 = math.hypot(*w1), math.hypot(*w2)
    bisector = (w1[0] / l1 + w2[0] / l2, w1[1] / l1 + w2[1] / l2)
    cross1 = s[0] * w1[1] - s[1] * w1[0]
    cross2 = s[0] * w2[1] - s[1] * w2[0]
    return (max(l1, l2) <= 1.5 * min(l1, l2) and 20 <= _angle(w1, w2) <= 150
            and _angle(bisector, s) <= 35 and cross1 * cross2 < 0)


def open_heads(found: list[Chain]) -> tuple[list[list[Point]], list[Chain]]:
    """Open ("V") arrowheads as [wing, tip, wing], and the chains that are not their wings."""
    degree: dict[int, int] = {}
    for chain in found:
        degree[chain.start] = degree.get(chain.start, 0) + 1
        degree[chain.end] = degree.get(chain.end, 0) + 1
    at: dict[int, list[Chain]] = {}
    for chain in found:
        if chain.start != chain.end:
            at.setdefault(chain.start, []).append(chain)
            at.setdefault(chain.end, []).append(chain)
    heads, wings = [], set()
    for node, incident in at.items():
        free = [c for c in incident if len(c.points) == 2 and not c.curved and 1.5 <= c.length <= HEAD_MAX
                and degree[c.end if c.start == node else c.start] == 1 and id(c) not in wings]
        for i, first in enumerate(free):
            for second in free[i + 1:]:
                tip, end1 = _away(first, node)
                _, end2 = _away(second, node)
                shafts = [c for c in incident if c is not first and c is not second and id(c) not in wings]
                if any(_is_v(tip, end1, end2, _away(shaft, node)[1]) for shaft in shafts):
                    heads.append([end1, tip, end2])
                    wings.update((id(first), id(second)))
                    break
            else:
                continue
            break
    return heads, [c for c in found if id(c) not in wings]


def _convex(points: list[Point]) -> bool:
    """A simple convex polygon: every turn the same way, one full turn in all."""
    pts = [p for i, p in enumerate(points) if math.dist(p, points[i - 1]) > 0.3]
    if len(pts) < 3:
        return False
    sign, turning = 0, 0.0
    for i in range(len(pts)):
        a, b, c = pts[i - 2], pts[i - 1], pts[i]
        u, v = (b[0] - a[0], b[1] - a[1]), (c[0] - b[0], c[1] - b[1])
        cross = u[0] * v[1] - u[1] * v[0]
        if abs(cross) <= 0.02 * math.hypot(*u) * math.hypot(*v):
            continue
        if sign and (cross > 0) != (sign > 0):
            return False
        sign = 1 if cross > 0 else -1
        turning += math.atan2(cross, u[0] * v[0] + u[1] * v[1])
    return abs(abs(turning) - 2 * math.pi) < 0.3


def _outline(points: list[Point], curved: bool) -> Piece | None:
    piece = Piece(points, True, curved, False)
    x0, y0, x1, y1 = piece.bbox()
    if min(x1 - x0, y1 - y0) < MIN_OUTLINE or not _convex(points):
        return None
    return piece


def _cycle(chains_: list[Chain], first: int, consumed: set[int]) -> list[int] | None:
    """The shortest way back from ``first``'s end to its start through other chains (Dijkstra)."""
    edge = chains_[first]
    by_node: dict[int, list[int]] = {}
    for index, chain in enumerate(chains_):
        if index != first and index not in consumed and chain.start != chain.end:
            by_node.setdefault(chain.start, []).append(index)
            by_node.setdefault(chain.end, []).append(index)
    best = {edge.end: 0.0}
    came: dict[int, tuple[int, int]] = {}
    queue = [(0.0, edge.end)]
    while queue:
        cost, node = heapq.heappop(queue)
        if node == edge.start:
            path, current = [], node
            while current != edge.end:
                previous, index = came[current]
                path.append(index)
                current = previous
            return [first] + path[::-1]
        if cost > best.get(node, math.inf):
            continue
        for index in by_node.get(node, ()):
            chain = chains_[index]
            other = chain.end if chain.start == node else chain.start
            total = cost + chain.length
            if total < best.get(other, math.inf):
                best[other], came[other] = total, (node, index)
                heapq.heappush(queue, (total, other))
    return None


def _cycle_points(chains_: list[Chain], indices: list[int]) -> list[Point]:
    node = chains_[indices[0]].start
    points: list[Point] = []
    for index in indices:
        chain = chains_[index]
        run = chain.points if chain.start == node else chain.points[::-1]
        points += run[:-1]
        node = chain.end if chain.start == node else chain.start
    return points


def outlines(found: list[Chain]) -> tuple[list[Piece], list[Chain]]:
    """Symbol outlines made of several strokes, and the chains left over (arrow shafts)."""
    result: list[Piece] = []
    consumed: set[int] = set()
    for index, chain in enumerate(found):
        if chain.start == chain.end:
            outline = _outline(chain.points[:-1], chain.curved)
            if outline is not None:
                result.append(outline)
                consumed.add(index)
    for index, chain in enumerate(found):
        if index in consumed or chain.start == chain.end:
            continue
        cycle = _cycle(found, index, consumed)
        if cycle is None:
            continue
        outline = _outline(_cycle_points(found, cycle), any(found[i].curved for i in cycle))
        if outline is not None:
            result.append(outline)
            consumed.update(cycle)
    return result, [c for i, c in enumerate(found) if i not in consumed]


def split(segments: list[Segment]) -> tuple[list[Piece], list[list[Point]], list[list[Point]]]:
    """(outlines made of strokes, open arrowheads, arrow shafts) from loose straight or curved strokes."""
    heads, rest = open_heads(chains(segments))
    shapes, rest = outlines(rest)
    return shapes, heads, [chain.points for chain in rest]
