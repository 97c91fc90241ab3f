"""The five Permenpan symbols and the arrows, read from a PDF page's vector drawing.

Shapes are classified by the geometry of their outline, not by how the producing program drew
them (one closed path, or separate lines and Bezier arcs joined by :mod:`pdf_graph`):
- a curved outline reaching no box corner, wider than high: capsule (terminator); about as
  wide as high, or taller (a word processor shrinks a circle around its number): an on-page
  connector, when small only if it holds its mark; reaching the box corners: a (rounded) rectangle;
- a straight outline with 4 corners at the box corners: rectangle (activity); with its
  4 corners at the middles of the box sides: diamond (decision); 5 corners: pentagon
  (off-page connector); 3 corners or filled, and small: an arrowhead; an open "V" of two
  short strokes at a shaft's end: an arrowhead too;
- the other strokes, straight or curved, chained end to end: arrow shafts.
An arrowhead belongs to the shaft end it touches, or to one a few points behind it on its line
(drawn apart); its tip is its point furthest on along the shaft's last piece. Labels "Ya"/"Tidak"
are words near the start of an arrow leaving a diamond.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from engine.sop_import import pdf_graph
from engine.sop_import.pdf_graph import HEAD_MAX, TOL, Segment
from engine.sop_import.pdf_paths import Piece, pieces

MIN_SYMBOL = pdf_graph.MIN_OUTLINE
MIN_MARK = 3.0  # a connector shrunk around its letter is at least this big
HEAD_GAP = 6.0  # how far apart from its shaft's end an arrowhead may be drawn


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


def classify(piece: Piece, page: int) -> Shape | list[tuple[tuple[float, float], tuple[float, float]]] | None:
    """A closed outline as a Shape, a thin one as a line (list of segments), or None (too small)."""
    x0, top, x1, bottom = piece.bbox()
    w, h = x1 - x0, bottom - top
    if min(w, h) < 1.5:  # a thin filled box is a line
        return [((x0, top + h / 2), (x1, top + h / 2))] if w >= h else [((x0 + w / 2, top), (x0 + w / 2, bottom))]
    points = _dedupe(piece.points)
    if max(w, h) <= HEAD_MAX and not piece.curved:
        vertices = _corners(points)
        if _small_pentagon(vertices, (x0, top, x1, bottom)):
            return Shape("pentagon", x0, top, x1, bottom, page, vertices)
        if len(vertices) == 3 or piece.filled:
            return Shape("head", x0, top, x1, bottom, page, vertices or points)
    box = (x0, top, x1, bottom)
    if piece.curved and min(w, h) >= MIN_MARK and w <= 1.25 * h and _corner_count(points, box) < 3:
        # a circle, or a word processor's circle shrunk around its number (taller than wide): an on-page
        # connector; a terminator is wider than high. Tiny ones count only holding a mark (read_drawing).
        return Shape("connector", x0, top, x1, bottom, page, points)
    if min(w, h) < MIN_SYMBOL:
        return None
    if piece.curved:
        kind = "rectangle" if _corner_count(points, box) >= 3 else "capsule"
        return Shape(kind, x0, top, x1, bottom, page, points)
    vertices = _corners(points)
    if len(vertices) == 4:
        mids = sum(1 for p in vertices if _at_side_middle(p, x0, top, x1, bottom, w, h))
        kind = "diamond" if mids == 4 and _corner_count(vertices, box) == 0 else "rectangle"
        return Shape(kind, x0, top, x1, bottom, page, vertices)  # a skewed box (data symbol) is an activity too
    if len(vertices) == 5:
        return Shape("pentagon", x0, top, x1, bottom, page, vertices)
    if len(vertices) >= 6:  # an octagon / polygonal rounded box is a terminator
        kind = "capsule" if _corner_count(vertices, box) == 0 else "rectangle"
        return Shape(kind, x0, top, x1, bottom, page, vertices)
    return None


def _small_pentagon(vertices, box) -> bool:
    """An off-page connector shrunk to its letter (a word processor fits the shape to its text): five
    corners, two of them the box's, where an arrowhead (filled, small too) has three."""
    x0, top, x1, bottom = box
    return len(vertices) == 5 and min(x1 - x0, bottom - top) >= 3 and _corner_count(vertices, box) >= 2


def _corner_count(points, box) -> int:
    """How many corners of the bounding box the outline reaches (4: a box, 0: round or pointed ends)."""
    x0, top, x1, bottom = box
    least = min(x1 - x0, bottom - top)
    tol = min(max(TOL, 0.06 * least), 0.2 * least)  # a small ellipse passes within TOL of its box corners
    return sum(1 for c in ((x0, top), (x1, top), (x1, bottom), (x0, bottom))
               if any(math.dist(p, c) <= tol for p in points))


def _at_side_middle(p, x0, top, x1, bottom, w, h) -> bool:
    tol = max(TOL, 0.1 * min(w, h))
    mids = ((x0 + w / 2, top), (x1, top + h / 2), (x0 + w / 2, bottom), (x0, top + h / 2))
    return any(math.dist(p, m) <= tol for m in mids)


def _direction(line: list[tuple[float, float]]) -> tuple[float, float]:
    """The unit direction in which a shaft ends (its last piece of any length: elbows turn just before)."""
    end = line[-1]
    before = next((p for p in reversed(line[:-1]) if math.dist(p, end) > 0.5), line[0])
    length = math.dist(before, end) or 1.0
    return (end[0] - before[0]) / length, (end[1] - before[1]) / length


def _tip(head: Shape, line: list[tuple[float, float]]) -> tuple[float, float]:
    """The head's point furthest on along the shaft (an elbow's far end may lie beyond the tip)."""
    (ex, ey), (ux, uy) = line[-1], _direction(line)
    return max(head.points or [(head.cx, head.cy)], key=lambda p: (p[0] - ex) * ux + (p[1] - ey) * uy)


def _ahead(head: Shape, line: list[tuple[float, float]]) -> bool:
    """A head standing a little beyond the shaft's end on its line (drawn apart from it), pointing on."""
    (ex, ey), (ux, uy) = line[-1], _direction(line)
    along = (head.cx - ex) * ux + (head.cy - ey) * uy
    across = abs((head.cx - ex) * uy - (head.cy - ey) * ux)
    tip = _tip(head, line)
    return 0 < along <= HEAD_GAP + max(head.x1 - head.x0, head.bottom - head.top) and across <= 1.5 and (
        (tip[0] - head.cx) * ux + (tip[1] - head.cy) * uy > 0)


def _strokes(objects: list[dict], page: int, exclude) -> tuple[list[Shape], list[Segment]]:
    """Closed outlines classified at once; every open stroke (and thin box) kept as segments."""
    found: list[Shape] = []
    segments: list[Segment] = []
    for obj in objects:
        for piece in pieces(obj):
            result = classify(piece, page) if piece.closed else None
            if isinstance(result, Shape):
                found.append(result)
                continue
            pairs = result if piece.closed else list(zip(piece.points, piece.points[1:]))
            segments += [Segment(a, b, piece.curved) for a, b in pairs or ()
                         if piece.curved or not exclude((a, b))]
    return found, segments


def read_drawing(objects: list[dict], page: int, words: list[dict], exclude) -> tuple[list[Shape], list[Arrow]]:
    """Symbols and arrows among a page's drawing objects; ``exclude(segment)`` drops table rules."""
    found, segments = _strokes(objects, page, exclude)
    stroked, open_heads, shafts = pdf_graph.split(segments)
    found += [s for s in (classify(outline, page) for outline in stroked) if isinstance(s, Shape)]
    for wings in open_heads:
        xs, ys = [p[0] for p in wings], [p[1] for p in wings]
        found.append(Shape("head", min(xs), min(ys), max(xs), max(ys), page, wings))
    heads = [s for s in found if s.kind == "head"]
    shapes = _distinct([s for s in found if s.kind != "head"
                        and (s.kind != "connector" or _full_size(s) or _holds_mark(s, words))])
    arrows = [_arrow(line, page, heads) for line in shafts if not _inside_any(line, shapes)]
    _attach(arrows, shapes)
    _label(arrows, words)
    return shapes, arrows


def _full_size(shape: Shape) -> bool:
    return min(shape.x1 - shape.x0, shape.bottom - shape.top) >= MIN_SYMBOL


def _holds_mark(shape: Shape, words: list[dict]) -> bool:
    """A connector's letter or number inside it (a dot or ring without one is no connector)."""
    return any(shape.x0 - 1 <= (w["x0"] + w["x1"]) / 2 <= shape.x1 + 1
               and shape.top - 1 <= (w["top"] + w["bottom"]) / 2 <= shape.bottom + 1 for w in words)


def _arrow(line: list[tuple[float, float]], page: int, heads: list[Shape]) -> Arrow:
    """A shaft with the arrowhead at one of its ends (the head gives the direction), each head used once:
    touching the end, or else a few points beyond it on the shaft's line."""
    ends = (list(line), list(reversed(line)))
    for test in (lambda head, points: head.distance(*points[-1]) <= TOL + 1, _ahead):
        for points in ends:
            head = next((h for h in heads if test(h, points)), None)
            if head is not None:
                heads.remove(head)
                tip = _tip(head, points)
                if math.dist(tip, points[-1]) > 0.5:
                    points.append(tip)
                return Arrow(points, page, True)
    return Arrow(list(line), page, False)


def _distinct(shapes: list[Shape]) -> list[Shape]:
    """One symbol per box: a fill and its stroke drawn apart, or a box traced twice, count once."""
    kept: list[Shape] = []
    for shape in sorted(shapes, key=_rank, reverse=True):
        if not any(_same_box(shape, other) for other in kept):
            kept.append(shape)
    return kept


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
