"""pdfplumber drawing objects as flat polylines ("pieces"), whatever operators drew them.

Office suites, reportlab and hand-made PDFs draw the same symbol in different ways: one closed
path, a path per side, Bezier arcs for round ends, several subpaths in one object. Flattening
every object into straight polylines (Bezier curves sampled) lets the symbol reader judge shapes
by their outline alone. pdfplumber >= 0.11 gives ``path`` in top-based page coordinates.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

Point = tuple[float, float]
CURVE_SAMPLES = 8  # straight pieces per Bezier curve: enough to tell an arc from a corner


@dataclass
class Piece:
    points: list[Point]
    closed: bool
    curved: bool
    filled: bool

    def bbox(self) -> tuple[float, float, float, float]:
        xs, ys = [p[0] for p in self.points], [p[1] for p in self.points]
        return min(xs), min(ys), max(xs), max(ys)


def _bezier(p0: Point, p1: Point, p2: Point, p3: Point) -> list[Point]:
    result = []
    for step in range(1, CURVE_SAMPLES + 1):
        t = step / CURVE_SAMPLES
        u = 1 - t
        result.append(tuple(u ** 3 * a + 3 * u * u * t * b + 3 * u * t * t * c + t ** 3 * d
                            for a, b, c, d in zip(p0, p1, p2, p3)))
    return result


def _from_path(path: list[tuple], filled: bool) -> list[Piece]:
    pieces: list[Piece] = []
    points: list[Point] = []
    curved = closed = False

    def flush():
        if len(points) > 1:
            pieces.append(Piece(list(points), closed, curved, filled))

    for command in path:
        op = command[0]
        if op == "m":
            flush()
            points, curved, closed = [tuple(command[1])], False, False
        elif op == "l" and points:
            points.append(tuple(command[1]))
        elif op == "c" and points:
            points.extend(_bezier(points[-1], *(tuple(p) for p in command[1:4])))
            curved = True
        elif op == "h" and points:
            closed = True
    flush()
    return pieces


def pieces(obj: dict) -> list[Piece]:
    """The subpaths of one pdfplumber ``rect``, ``line`` or ``curve`` object, top-based, Beziers sampled."""
    filled = bool(obj.get("fill"))
    if obj["object_type"] == "rect":
        x0, top, x1, bottom = obj["x0"], obj["top"], obj["x1"], obj["bottom"]
        return [Piece([(x0, top), (x1, top), (x1, bottom), (x0, bottom)], True, False, filled)]
    found = _from_path(obj.get("path") or [], filled)
    if not found and obj.get("pts"):
        found = [Piece([tuple(p) for p in obj["pts"]], False, False, filled)]
    for piece in found:
        if len(piece.points) > 2 and (piece.filled or math.dist(piece.points[0], piece.points[-1]) <= 1.0):
            piece.closed = True  # a fill closes its subpath implicitly
        if piece.closed and len(piece.points) > 1 and math.dist(piece.points[0], piece.points[-1]) <= 1.0:
            piece.points.pop()
    return found
