"""The flowchart drawn over a Writer SOP table: symbols, flows, connectors and Ya / Tidak labels.

Everything is placed in table coordinates (x from the table's left edge, y from the top of the
step rows on that page) and rendered as the author anchored it: to the paragraph of the cell a
shape stands in (most documents), or to the page, over the table. Flows are glued connectors
that LibreOffice routes, or elbows an author drew by hand as polylines: one path of several
segments, its arrow marker stopping short of the target, or a bare shaft with a separate
arrowhead that stops short of the shaft's end. Tidak loops on one page run straight back, or
through a pair of numbered on-page circle connectors; loops to another page through lettered
off-page connectors.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

from tests.engine.sop_import.pdf_factory import GenSop

MARGIN, PAD = 28.0, 2.0
SYMBOL_Y = 24.0  # a symbol's centre below its row's top
OPENING_DROP = 22.0  # a row opening a page has its symbol lower, under the off-page connector
BESIDE = 24.0  # a loop's connector centre from its symbol's side
SIZES = {"terminator": (50, 18), "process": (50, 20), "decision": (36, 26), "off-page-connector": (14, 14),
         "connector": (14, 14)}
GLUE = {"top": 0, "right": 1, "bottom": 2, "left": 3}
LOOP_OUT = 16.0  # how far a hand-drawn loop runs beside the symbols it joins
SHORT = 3.0  # how far a hand-drawn arrow's tip stops before its target
GAP = 4.0  # how far a separate arrowhead stands from its shaft's end
HEAD_W, HEAD_L = 5.0, 6.0


@dataclass(frozen=True)
class WriterLayout:
    page: tuple[float, float] = (842.0, 595.0)
    row_h: float = 70.0  # every step row's height (the row that splits: its least height)
    anchor: str = "cell"  # "cell": shapes anchored in the cells they stand in; "page": to the page
    # "connectors": glued and routed by LibreOffice (not over page-anchored shapes: LibreOffice misplaces them);
    # "elbows": drawn by hand as polylines; "short-heads": elbows whose heads stop short of target or shaft
    flows: str = "connectors"
    identity_own_page: bool = False  # the flowchart table starts on the second page
    split_row: int | None = None  # this step's row is too tall for the first page and breaks across it
    loop_circles: bool = False  # Tidak loops on one page go through numbered on-page circle connectors


@dataclass
class Grid:
    """Where the flowchart's cells are: column widths, row heights, the page break."""
    widths: list[float]
    row_h: float
    breaks_after: int  # the first row wholly on the second flowchart page
    body_h: float  # room for step rows on the first flowchart page
    tops: tuple[float, float]  # page y of the step rows' top on the two flowchart pages
    first_page: int  # page number of the first flowchart page
    split: int | None = None

    def page(self, row: int) -> int:
        return 0 if row < self.breaks_after else 1

    def row_top(self, row: int) -> float:
        first = self.breaks_after if row >= self.breaks_after else 0
        return (row - first) * self.row_h

    def row_bottom(self, row: int) -> float:
        """Where the row ends on its page (a row breaking across the page: at the page's last line)."""
        return self.body_h if row == self.split else self.row_top(row) + self.row_h

    def col_x(self, col: int) -> float:
        return sum(self.widths[:col])

    def lane_cx(self, lane: int) -> float:
        return self.col_x(2 + lane) + self.widths[2 + lane] / 2


@dataclass
class Symbol:
    id: str
    row: int
    cx: float
    cy: float
    w: float
    h: float

    @property
    def top(self) -> float:
        return self.cy - self.h / 2

    @property
    def bottom(self) -> float:
        return self.cy + self.h / 2

    def side(self, name: str) -> tuple[float, float]:
        dx, dy = {"top": (0, -1), "bottom": (0, 1), "left": (-1, 0), "right": (1, 0)}[name]
        return self.cx + dx * self.w / 2, self.cy + dy * self.h / 2


@dataclass
class Drawing:
    grid: Grid
    layout: WriterLayout
    cells: dict[tuple[int, int], list[str]] = field(default_factory=dict)  # (row, column) -> anchored XML
    on_pages: list[str] = field(default_factory=list)  # page-anchored XML
    joins: set[tuple[int, int]] = field(default_factory=set)  # (page, page) each connector pair joins
    ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    heads: itertools.cycle = field(default_factory=lambda: itertools.cycle(("separate", "marker")))

    def _add(self, row: int, lane: int, element) -> None:
        """``element(origin, anchor)`` -> XML, ``origin`` the table point at the anchor frame's (0, 0)."""
        page = self.grid.page(row)
        if self.layout.anchor == "page":
            number = self.grid.first_page + page
            self.on_pages.append(element((-MARGIN, -self.grid.tops[page]),
                                         f'text:anchor-type="page" text:anchor-page-number="{number}"'))
            return
        origin = (self.grid.col_x(2 + lane) + PAD, self.grid.row_top(row) + PAD)
        self.cells.setdefault((row, 2 + lane), []).append(element(origin, 'text:anchor-type="paragraph"'))

    def shape(self, kind: str, row: int, lane: int, cy: float, dx: float = 0.0, letter: str = "") -> Symbol:
        """A flowchart shape centred ``dx`` right of its lane's middle, ``cy`` below the page's first row."""
        w, h = SIZES[kind]
        symbol = Symbol(f"s{next(self.ids)}", row, self.grid.lane_cx(lane) + dx, cy, w, h)
        inner = f'<text:p text:style-name="Small">{letter}</text:p>' if letter else ""
        self._add(row, lane, lambda o, anchor: (
            f'<draw:custom-shape draw:style-name="Symbol" draw:id="{symbol.id}" {anchor} '
            f'svg:x="{symbol.cx - w / 2 - o[0]:.2f}pt" svg:y="{symbol.top - o[1]:.2f}pt" svg:width="{w}pt" '
            f'svg:height="{h}pt">{inner}<draw:enhanced-geometry svg:viewBox="0 0 21600 21600" '
            f'draw:type="flowchart-{kind}"/></draw:custom-shape>'))
        return symbol

    def connect(self, row: int, lane: int, start: Symbol, start_side: str, end: Symbol, end_side: str) -> None:
        """A flow from one shape's side to another's: glued (routed by LibreOffice) or a hand-drawn elbow
        (also in a row breaking across the page, where LibreOffice misplaces glued connectors)."""
        if self.layout.flows != "connectors" or row == self.grid.split:
            self.arrow(row, lane, _elbow(start, start_side, end, end_side))
            return
        (x1, y1), (x2, y2) = start.side(start_side), end.side(end_side)
        self._add(row, lane, lambda o, anchor: (
            f'<draw:connector draw:style-name="Flow" {anchor} draw:type="standard" draw:start-shape="{start.id}" '
            f'draw:start-glue-point="{GLUE[start_side]}" draw:end-shape="{end.id}" '
            f'draw:end-glue-point="{GLUE[end_side]}" svg:x1="{x1 - o[0]:.2f}pt" svg:y1="{y1 - o[1]:.2f}pt" '
            f'svg:x2="{x2 - o[0]:.2f}pt" svg:y2="{y2 - o[1]:.2f}pt"/>'))

    def arrow(self, row: int, lane: int, points: list[tuple[float, float]]) -> None:
        """A hand-drawn flow ending at its target with an arrow marker; with heads drawn short, the marker's
        tip stops short of the target, or (a long enough last leg) a bare shaft ends a few points before a
        separate filled arrowhead."""
        (ax, ay), (bx, by) = points[-2], points[-1]
        length = math.hypot(bx - ax, by - ay)
        ux, uy = (bx - ax) / length, (by - ay) / length
        short = self.layout.flows == "short-heads"
        kind = next(self.heads) if short and length >= 20 else "marker"
        if kind == "marker":
            gap = SHORT if short else 0.0
            self._add(row, lane, _polyline(points[:-1] + [(bx - gap * ux, by - gap * uy)], "Flow"))
            return
        tip = (bx - 1 * ux, by - 1 * uy)
        base = (tip[0] - HEAD_L * ux, tip[1] - HEAD_L * uy)
        shaft_end = (base[0] - GAP * ux, base[1] - GAP * uy)
        self._add(row, lane, _polyline(points[:-1] + [shaft_end], "Shaft"))
        wing = (-uy * HEAD_W / 2, ux * HEAD_W / 2)
        self._add(row, lane, _polygon([tip, (base[0] + wing[0], base[1] + wing[1]),
                                       (base[0] - wing[0], base[1] - wing[1])]))

    def line(self, row: int, lane: int, start: tuple[float, float], end: tuple[float, float]) -> None:
        """A plain line with an arrow marker."""
        self._add(row, lane, lambda o, anchor: (
            f'<draw:line draw:style-name="Flow" {anchor} svg:x1="{start[0] - o[0]:.2f}pt" '
            f'svg:y1="{start[1] - o[1]:.2f}pt" svg:x2="{end[0] - o[0]:.2f}pt" svg:y2="{end[1] - o[1]:.2f}pt"/>'))

    def label(self, row: int, lane: int, x: float, y: float, word: str) -> None:
        self._add(row, lane, lambda o, anchor: (
            f'<draw:frame draw:style-name="Label" {anchor} svg:x="{x - o[0]:.2f}pt" svg:y="{y - o[1]:.2f}pt" '
            f'svg:width="22pt" svg:height="9pt"><draw:text-box><text:p>{word}</text:p></draw:text-box></draw:frame>'))


def _box(points):
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, y0 = min(xs) - 1, min(ys) - 1
    return x0, y0, max(xs) + 1 - x0, max(ys) + 1 - y0


def _drawn_path(tag: str, style: str, points):
    """A polyline / polygon: its box in points, its vertices in hundredths of a point inside the box."""
    x0, y0, w, h = _box(points)
    vertices = " ".join(f"{round((x - x0) * 100)},{round((y - y0) * 100)}" for x, y in points)
    return lambda o, anchor: (
        f'<draw:{tag} draw:style-name="{style}" {anchor} svg:x="{x0 - o[0]:.2f}pt" svg:y="{y0 - o[1]:.2f}pt" '
        f'svg:width="{w:.2f}pt" svg:height="{h:.2f}pt" svg:viewBox="0 0 {round(w * 100)} {round(h * 100)}" '
        f'draw:points="{vertices}"/>')


def _polyline(points, style: str):
    return _drawn_path("polyline", style, points)


def _polygon(points):
    return _drawn_path("polygon", "Head", points)


def _elbow(start: Symbol, start_side: str, end: Symbol, end_side: str) -> list[tuple[float, float]]:
    """The square route an author draws: straight down, down-across-down into the next symbol, or out
    beside both symbols and back in for a loop."""
    (sx, sy), (ex, ey) = start.side(start_side), end.side(end_side)
    if start_side == "bottom" and end_side == "top":
        if abs(sx - ex) < 0.5:
            return [(sx, sy), (ex, ey)]
        turn = (sy + ey) / 2
        return [(sx, sy), (sx, turn), (ex, turn), (ex, ey)]
    if start_side == end_side:
        out = min(sx, ex) - LOOP_OUT if start_side == "left" else max(sx, ex) + LOOP_OUT
        return [(sx, sy), (out, sy), (out, ey), (ex, ey)]
    if abs(sy - ey) < 0.5:
        return [(sx, sy), (ex, ey)]
    middle = (sx + ex) / 2
    return [(sx, sy), (middle, sy), (middle, ey), (ex, ey)]


# ---------------------------------------------------------------- the flowchart

def draw(sop: GenSop, grid: Grid, layout: WriterLayout) -> Drawing:
    """Every step's symbol, the flows between them, the page-break and loop connectors, the labels."""
    if grid.split is not None and (layout.anchor == "page" or layout.flows != "connectors"):
        raise ValueError("a row breaking across the page leaves the rows after it at unknown heights: "
                         "draw it with shapes anchored in the cells and glued connectors")
    if layout.anchor == "page" and layout.flows == "connectors":
        raise ValueError("LibreOffice misplaces connectors glued to page-anchored shapes: draw elbows")
    drawing = Drawing(grid, layout)
    steps, opening = sop.steps, grid.breaks_after
    symbols: list[Symbol] = []
    for index, step in enumerate(steps):
        kind = "decision" if step.decision else "terminator" if index in (0, len(steps) - 1) else "process"
        cy = grid.row_top(index) + SYMBOL_Y + (OPENING_DROP if index == opening else 0)
        symbols.append(drawing.shape(kind, index, step.lane, cy))
        if index == opening:
            _across_break(drawing, sop, index, symbols)
        elif index:
            _flow(drawing, sop, index, symbols)
    letters, numbers = iter("BCDEFG"), iter("123456")
    for index, step in enumerate(steps):
        if step.decision and step.no_target is not None:
            _tidak(drawing, sop, index, symbols, letters, numbers)
    return drawing


def _ya(drawing: Drawing, sop: GenSop, index: int, symbol: Symbol) -> None:
    if sop.steps[index].decision:
        drawing.label(index, sop.steps[index].lane, symbol.cx + 3, symbol.bottom, "Ya")


def _across_break(drawing: Drawing, sop: GenSop, index: int, symbols: list[Symbol]) -> None:
    """The last symbol of the first page flows into a lettered off-page connector; its twin opens the next."""
    grid, steps = drawing.grid, sop.steps
    before, after = symbols[index - 1], symbols[index]
    lane_before, lane_after = steps[index - 1].lane, steps[index].lane
    out = drawing.shape("off-page-connector", index - 1, lane_before, grid.row_bottom(index - 1) - 14, letter="A")
    drawing.connect(index - 1, lane_before, before, "bottom", out, "top")
    into = drawing.shape("off-page-connector", index, lane_after, grid.row_top(index) + 11, letter="A")
    drawing.connect(index, lane_after, into, "bottom", after, "top")
    drawing.joins.add((grid.first_page, grid.first_page + 1))
    _ya(drawing, sop, index - 1, before)


def _flow(drawing: Drawing, sop: GenSop, index: int, symbols: list[Symbol]) -> None:
    """Same lane: a straight line with an arrow marker down across the row rule; else a connector."""
    steps = sop.steps
    before, after = symbols[index - 1], symbols[index]
    lane = steps[index - 1].lane
    if steps[index].lane == lane and drawing.layout.flows == "connectors":
        drawing.line(index - 1, lane, before.side("bottom"), after.side("top"))
    else:
        drawing.connect(index, steps[index].lane, before, "bottom", after, "top")
    _ya(drawing, sop, index - 1, before)


def _tidak(drawing: Drawing, sop: GenSop, index: int, symbols: list[Symbol], letters, numbers) -> None:
    """Tidak: back from the diamond's side to the target's side, or through a pair of connectors, one
    beside the diamond and one beside the target: off-page (lettered) when the target is on the page
    before, on-page circles (numbered) when the layout loops through them."""
    grid, steps = drawing.grid, sop.steps
    step, target = steps[index], steps[index].no_target
    diamond, goal = symbols[index], symbols[target]
    drawing.label(index, step.lane, diamond.cx - diamond.w / 2 - 22, diamond.top - 8, "Tidak")
    same_page = grid.page(target) == grid.page(index)
    if same_page and not drawing.layout.loop_circles:
        side = "left" if steps[target].lane <= step.lane else "right"
        drawing.connect(index, step.lane, diamond, side, goal, side)
        return
    kind, mark = ("connector", next(numbers)) if same_page else ("off-page-connector", next(letters))
    away = drawing.shape(kind, index, step.lane, diamond.cy, dx=-diamond.w / 2 - BESIDE, letter=mark)
    drawing.connect(index, step.lane, diamond, "left", away, "right")
    back = drawing.shape(kind, target, steps[target].lane, goal.cy, dx=goal.w / 2 + BESIDE, letter=mark)
    drawing.connect(target, steps[target].lane, back, "left", goal, "right")
    drawing.joins.add((grid.first_page + grid.page(index), grid.first_page + grid.page(target)))
