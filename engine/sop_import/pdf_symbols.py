"""The five Permenpan symbols and the arrows, read from a PDF page's vector drawing.

Shapes are classified by geometry, not by how the producing program drew them:
- a closed path with curved segments, wider than high: capsule (terminator); about as wide as
  high: a circle, read as an (on-page) connector;
- a closed straight polygon with 4 corners at the box corners: rectangle (activity); with its
  4 corners at the middles of the box sides: diamond (decision); 5 corners: pentagon
  (off-page connector); 3 corners and small: an arrowhead;
- straight segments (lines, open polylines, thin rects) chained end to end: an arrow's shaft.
Labels "Ya"/"Tidak" are words near the start of an arrow leaving a diamond.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

TOL = 2.0  # points: vertices / line ends closer than this coincide
HEAD_MAX = 12.0  # an arrowhead's box is at most this big
MIN_SYMBOL = 6.0


@dataclass
class Shape:
    kind: str  # capsule | rectangle | diamond | pentagon | connector | head
    x0: float
    top: float
    x1: float
    bottom: float
    page: int
    points: list[tuple[float, float]] = field(default_factory=list)
    label: str = ""  # text inside (connector letters)

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2

    def distance(self, x: float, y: float) -> float:
        dx = max(self.x0 - x, 0, x - self.x1)
        dy = max(self.top - y, 0, y - self.bottom)
        return math.hypot(dx, dy)


@dataclass
class Arrow:
    points: list[tuple[float, float]]  # from tail to tip
    page: int
    headed: bool  # direction known from an arrowhead
    source: Shape | None = None
    target: Shape | None = None
    label: str = ""  # "ya" | "tidak" | ""


def _dedupe(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    result: list[tuple[float, float]] = []
    for point in points:
        if not result or math.dist(point, result[-1]) > TOL:
            result.append(point)
    if len(result) > 1 and math.dist(result[0], result[-1]) <= TOL:
        result.pop()
    return result


def _corners(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Drop points lying on a straight line between their neighbours."""
    if len(points) < 4:
        return points
    kept = []
    n = len(points)
    for i, p in enumerate(points):
        a, b = points[i - 1], points[(i + 1) % n]
        cross = (p[0] - a[0]) * (b[1] - a[1]) - (p[1] - a[1]) * (b[0] - a[0])
        if abs(cross) > 0.5 * math.dist(a, b):
            kept.append(p)
    return kept


def _path_info(obj: dict) -> tuple[bool, bool, list[tuple[float, float]]]:
    """(closed, has curves, vertices in top-based coordinates) of a pdfplumber path object."""
    path = obj.get("path") or []
    height = obj.get("_page_height")
    curved = any(cmd[0] == "c" for cmd in path)
    closed = any(cmd[0] == "h" for cmd in path)
    pts = [tuple(p) for p in obj.get("pts") or []]
    if path and height is not None and not obj.get("pts"):
        pts = [(cmd[-1][0], height - cmd[-1][1]) for cmd in path if cmd[0] in "mlc"]
    if pts and math.dist(pts[0], pts[-1]) <= TOL:
        closed = True
    if curved and path:
        # vertices = segment end points only (pts also holds Bezier control points)
        ends = []
        index = 0
        for cmd in path:
            if cmd[0] in ("m", "l"):
                ends.append(pts[index]) if index < len(pts) else None
                index += 1
            elif cmd[0] == "c":
                index += 3
                if index - 1 < len(pts):
                    ends.append(pts[index - 1])
        pts = ends or pts
    return closed, curved, pts


def classify(obj: dict, page: int) -> Shape | list[tuple[tuple[float, float], tuple[float, float]]] | None:
    """A Shape, or a list of straight segments (arrow shafts), or None (table rule, text box ...)."""
    x0, top, x1, bottom = obj["x0"], obj["top"], obj["x1"], obj["bottom"]
    w, h = x1 - x0, bottom - top
    if obj["object_type"] == "line":
        pts = [tuple(p) for p in obj.get("pts") or [(x0, top), (x1, bottom)]]
        return list(zip(pts, pts[1:]))
    if obj["object_type"] == "rect":
        if min(w, h) < 1.5:  # a thin filled rect is a line
            return [((x0, top + h / 2), (x1, top + h / 2))] if w >= h else [((x0 + w / 2, top), (x0 + w / 2, bottom))]
        if min(w, h) < MIN_SYMBOL:
            return None
        return Shape("rectangle", x0, top, x1, bottom, page,
                     [(x0, top), (x1, top), (x1, bottom), (x0, bottom)])
    closed, curved, pts = _path_info(obj)
    if not closed:
        pts = _dedupe(pts)
        if curved:
            return None
        return list(zip(pts, pts[1:]))
    if max(w, h) <= HEAD_MAX and not curved:
        vertices = _corners(_dedupe(pts))
        if len(vertices) == 3 or (obj.get("fill") and max(w, h) <= HEAD_MAX):
            return Shape("head", x0, top, x1, bottom, page, vertices or _dedupe(pts))
    if min(w, h) < MIN_SYMBOL:
        return None
    if curved:
        straight = _dedupe(pts)
        near_corner = sum(1 for p in straight if _at_corner(p, x0, top, x1, bottom, w, h))
        if near_corner >= 3:
            return Shape("rectangle", x0, top, x1, bottom, page, straight)
        if 0.8 <= w / h <= 1.25:
            return Shape("connector", x0, top, x1, bottom, page, straight)
        return Shape("capsule", x0, top, x1, bottom, page, straight)
    vertices = _corners(_dedupe(pts))
    if len(vertices) == 4:
        at_corners = sum(1 for p in vertices if _at_corner(p, x0, top, x1, bottom, w, h))
        mids = sum(1 for p in vertices if _at_side_middle(p, x0, top, x1, bottom, w, h))
        if at_corners == 4:
            return Shape("rectangle", x0, top, x1, bottom, page, vertices)
        if mids == 4:
            return Shape("diamond", x0, top, x1, bottom, page, vertices)
        return Shape("rectangle", x0, top, x1, bottom, page, vertices)  # a skewed box (data symbol)
    if len(vertices) == 5:
        return Shape("pentagon", x0, top, x1, bottom, page, vertices)
    if len(vertices) >= 6:
        near_corner = sum(1 for p in vertices if _at_corner(p, x0, top, x1, bottom, w, h))
        if near_corner == 0:  # an octagon / polygonal rounded box: a terminator
            return Shape("capsule", x0, top, x1, bottom, page, vertices)
        return Shape("rectangle", x0, top, x1, bottom, page, vertices)
    return None


def _at_corner(p, x0, top, x1, bottom, w, h) -> bool:
    tol = max(TOL, 0.06 * min(w, h))
    return any(math.dist(p, c) <= tol for c in ((x0, top), (x1, top), (x1, bottom), (x0, bottom)))


def _at_side_middle(p, x0, top, x1, bottom, w, h) -> bool:
    tol = max(TOL, 0.1 * min(w, h))
    mids = ((x0 + w / 2, top), (x1, top + h / 2), (x0 + w / 2, bottom), (x0, top + h / 2))
    return any(math.dist(p, m) <= tol for m in mids)


def _chain(segments: list[tuple[tuple[float, float], tuple[float, float]]]) -> list[list[tuple[float, float]]]:
    """Join segments sharing end points into polylines (no branching: a branch starts a new line)."""
    remaining = [list(s) for s in segments if math.dist(s[0], s[1]) > 0.5]
    lines: list[list[tuple[float, float]]] = []
    while remaining:
        line = remaining.pop(0)
        grown = True
        while grown:
            grown = False
            for i, (a, b) in enumerate(remaining):
                if math.dist(line[-1], a) <= TOL:
                    line.append(b)
                elif math.dist(line[-1], b) <= TOL:
                    line.append(a)
                elif math.dist(line[0], b) <= TOL:
                    line.insert(0, a)
                elif math.dist(line[0], a) <= TOL:
                    line.insert(0, b)
                else:
                    continue
                remaining.pop(i)
                grown = True
                break
        lines.append(line)
    return lines


def _tip(head: Shape, other_end: tuple[float, float]) -> tuple[float, float]:
    return max(head.points or [(head.cx, head.cy)], key=lambda p: math.dist(p, other_end))


def read_drawing(objects: list[dict], page: int, words: list[dict], exclude) -> tuple[list[Shape], list[Arrow]]:
    """Symbols and arrows among a page's drawing objects; ``exclude(segment)`` drops table rules."""
    shapes: list[Shape] = []
    heads: list[Shape] = []
    segments = []
    for obj in objects:
        found = classify(obj, page)
        if found is None:
            continue
        if isinstance(found, Shape):
            (heads if found.kind == "head" else shapes).append(found)
        else:
            segments.extend(seg for seg in found if not exclude(seg))
    shapes = [s for s in shapes if not any(_same_box(s, o) for o in shapes if o is not s and o.kind != s.kind
                                           and _rank(o) > _rank(s))]
    arrows: list[Arrow] = []
    used_heads: set[int] = set()
    for line in _chain(segments):
        if _inside_any(line, shapes):
            continue  # strokes inside a symbol (a double border, a decorative line)
        arrow = Arrow(line, page, False)
        for end in (0, -1):
            point, other = line[end], line[-1 - end] if len(line) > 1 else line[end]
            for index, head in enumerate(heads):
                if index in used_heads:
                    continue
                if head.distance(*point) <= TOL + 1:
                    used_heads.add(index)
                    tip = _tip(head, other)
                    pts = list(line) if end == -1 else list(reversed(line))
                    pts.append(tip)
                    arrow = Arrow(pts, page, True)
                    break
            if arrow.headed:
                break
        arrows.append(arrow)
    for index, head in enumerate(heads):
        if index not in used_heads:  # a head drawn without a separate shaft (joined to a symbol's edge)
            pass
    _attach(arrows, shapes)
    _label(arrows, words)
    return shapes, arrows


def _rank(shape: Shape) -> int:
    return {"diamond": 5, "pentagon": 4, "capsule": 3, "connector": 2, "rectangle": 1}.get(shape.kind, 0)


def _same_box(a: Shape, b: Shape) -> bool:
    return (abs(a.x0 - b.x0) < 3 and abs(a.x1 - b.x1) < 3 and abs(a.top - b.top) < 3
            and abs(a.bottom - b.bottom) < 3)


def _inside_any(line, shapes: list[Shape]) -> bool:
    return any(all(s.x0 + 1 < x < s.x1 - 1 and s.top + 1 < y < s.bottom - 1 for x, y in line) for s in shapes)


def _nearest(shapes: list[Shape], point, limit: float = 8.0) -> Shape | None:
    best = min(shapes, key=lambda s: s.distance(*point), default=None)
    return best if best is not None and best.distance(*point) <= limit else None


def _attach(arrows: list[Arrow], shapes: list[Shape]) -> None:
    for arrow in arrows:
        arrow.source = _nearest(shapes, arrow.points[0])
        arrow.target = _nearest(shapes, arrow.points[-1])
        if not arrow.headed and arrow.source and arrow.target and arrow.source.cy > arrow.target.cy + 1:
            # no head: read it downwards, the table's reading order (flagged by the caller)
            arrow.points.reverse()
            arrow.source, arrow.target = arrow.target, arrow.source


def _segment_distance(p, a, b) -> float:
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    if dx == dy == 0:
        return math.dist(p, a)
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.dist(p, (ax + t * dx, ay + t * dy))


LABEL_WORDS = {"ya": "ya", "y": "ya", "yes": "ya", "tidak": "tidak", "t": "tidak", "no": "tidak", "tdk": "tidak"}


def _label(arrows: list[Arrow], words: list[dict]) -> None:
    """Ya / Tidak words go to the closest arrow leaving a diamond (within 25 pt)."""
    candidates = [a for a in arrows if a.source is not None and a.source.kind == "diamond"]
    for word in words:
        value = LABEL_WORDS.get(word["text"].strip(" .:").lower())
        if not value:
            continue
        centre = ((word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2)
        best, best_d = None, 25.0
        for arrow in candidates:
            # prefer the part of the arrow near its start (labels sit where the branch leaves)
            d = min(_segment_distance(centre, a, b) for a, b in zip(arrow.points, arrow.points[1:]))
            d += 0.1 * min(math.dist(centre, p) for p in arrow.points[:2])
            if d < best_d:
                best, best_d = arrow, d
        if best is not None and not best.label:
            best.label = value
