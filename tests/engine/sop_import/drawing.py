"""How the generated SOP PDFs draw their symbols and arrows (reportlab, top-based coordinates).

Two families of drawing habits are covered, so the importer is not shaped around one producer:
- ``DrawStyle()``: each symbol one closed path, filled triangle arrowheads, square elbows
  (what the first factory drew);
- office-like: symbols built of separate strokes (a diamond as four lines, a capsule as two
  Bezier half-circles and two lines), open "V" arrowheads of two short lines, elbows with
  rounded corners and a Tidak loop drawn as one Bezier curve.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

KAPPA = 0.5523  # Bezier control distance of a quarter circle, as a fraction of the radius
HEAD = 4.0


@dataclass(frozen=True)
class DrawStyle:
    strokes: bool = False  # symbols as separate lines/arcs instead of one closed path
    open_heads: bool = False  # "V" arrowheads of two lines instead of filled triangles
    rounded: bool = False  # elbows with rounded corners, Tidak loops as one Bezier curve


OFFICE = DrawStyle(strokes=True, open_heads=True, rounded=True)


class Pen:
    """Draws on a reportlab canvas in top-based coordinates."""

    def __init__(self, canvas, height: float, style: DrawStyle):
        self.c, self.h, self.style = canvas, height, style

    def _path(self, start, commands, close=False, fill=False):
        p = self.c.beginPath()
        p.moveTo(start[0], self.h - start[1])
        for command in commands:
            if len(command) == 1:
                p.lineTo(command[0][0], self.h - command[0][1])
            else:
                (a, b), (c, d), (e, f) = command
                p.curveTo(a, self.h - b, c, self.h - d, e, self.h - f)
        if close:
            p.close()
        self.c.drawPath(p, stroke=0 if fill else 1, fill=1 if fill else 0)

    def polygon(self, points):
        if self.style.strokes:
            for a, b in zip(points, points[1:] + points[:1]):
                self._path(a, [(b,)])
        else:
            self._path(points[0], [(p,) for p in points[1:]], close=True)

    def capsule(self, cx, cy, w, h):
        r = h / 2
        left, right, top, bottom = cx - w / 2 + r, cx + w / 2 - r, cy - r, cy + r
        k = KAPPA * r
        right_arc = [((right + k, top), (right + r, cy - k), (right + r, cy)),
                     ((right + r, cy + k), (right + k, bottom), (right, bottom))]
        left_arc = [((left - k, bottom), (left - r, cy + k), (left - r, cy)),
                    ((left - r, cy - k), (left - k, top), (left, top))]
        if self.style.strokes:
            self._path((left, top), [((right, top),)])
            self._path((right, top), right_arc)
            self._path((right, bottom), [((left, bottom),)])
            self._path((left, bottom), left_arc)
        else:
            self._path((left, top), [((right, top),)] + right_arc + [((left, bottom),)] + left_arc, close=True)

    def shape(self, kind: str, cx: float, cy: float, w: float, h: float, label: str = ""):
        x0, x1, top, bottom = cx - w / 2, cx + w / 2, cy - h / 2, cy + h / 2
        if kind == "capsule":
            self.capsule(cx, cy, w, h)
        elif kind == "rect":
            self.polygon([(x0, top), (x1, top), (x1, bottom), (x0, bottom)])
        elif kind == "diamond":
            self.polygon([(cx, top), (x1, cy), (cx, bottom), (x0, cy)])
        elif kind == "pentagon":
            self.polygon([(x0, top), (x1, top), (x1, cy + h / 6), (cx, bottom), (x0, cy + h / 6)])
        if label:
            self.c.setFont("Helvetica", 6)
            self.c.drawCentredString(cx, self.h - (cy + 1), label)

    def _head(self, tip, direction):
        """Arrowhead at ``tip`` pointing along ``direction``; returns where the shaft must stop."""
        length = math.hypot(*direction)
        ux, uy = direction[0] / length, direction[1] / length
        base = (tip[0] - ux * HEAD, tip[1] - uy * HEAD)
        wings = [(base[0] - uy * 2.5, base[1] + ux * 2.5), (base[0] + uy * 2.5, base[1] - ux * 2.5)]
        if self.style.open_heads:
            for wing in wings:
                self._path(tip, [(wing,)])
            return tip
        self._path(wings[0], [(tip,), (wings[1],)], close=True, fill=True)
        return base

    def arrow(self, points):
        """A polyline arrow (square or rounded elbows) ending in a head at its last point."""
        (x0, y0), (x1, y1) = points[-2], points[-1]
        end = self._head(points[-1], (x1 - x0, y1 - y0))
        shaft = points[:-1] + [end]
        if not self.style.rounded or len(shaft) < 3:
            self._path(shaft[0], [(p,) for p in shaft[1:]])
            return
        commands = []
        for before, corner, after in zip(shaft, shaft[1:], shaft[2:]):
            r = min(4.0, math.dist(before, corner) / 2, math.dist(corner, after) / 2)
            a = _toward(corner, before, r)
            b = _toward(corner, after, r)
            commands += [(a,), (_toward(a, corner, r * KAPPA), _toward(b, corner, r * KAPPA), b)]
        commands.append((shaft[-1],))
        self._path(shaft[0], commands)

    def loop(self, start, channel_x: float, end):
        """The Tidak flow back to an earlier step: square elbows, or one Bezier bulging to the side."""
        if not self.style.rounded:
            self.arrow([start, (channel_x, start[1]), (channel_x, end[1]), end])
            return
        c1, c2 = (channel_x + (channel_x - start[0]), start[1]), (channel_x + (channel_x - end[0]), end[1])
        stop = self._head(end, (end[0] - c2[0], end[1] - c2[1]))
        self._path(start, [(c1, c2, stop)])


def _toward(a, b, distance):
    length = math.dist(a, b) or 1.0
    return (a[0] + (b[0] - a[0]) * distance / length, a[1] + (b[1] - a[1]) * distance / length)
