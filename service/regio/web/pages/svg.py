"""Pictures drawn on the server as SVG: a class hierarchy and a network of actors.

SVG rather than canvas because it is text: it needs no script, scales on any screen, its nodes are
real links a keyboard can reach, and a screen reader reads its ``<title>``s.  Everything from the
store is escaped here (``markupsafe.escape``); the drawings use classes styled by ``pages.css``
and presentation attributes, never inline ``style``, so the strict CSP holds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from markupsafe import Markup, escape

FONT_PX = 13
CHAR_PX = 7.5      # average advance of the sans-serif at 13 px; generous so labels fit
BOX_H = 26
ROW_GAP = 8
COL_GAP = 46
PAD = 12
MAX_CHARS = 38
HUB_CHARS = 34
BOLD = 1.12        # bold labels run wider


@dataclass
class Node:
    id: str
    label: str
    href: str | None = None
    kind: str = "node"          # CSS class: node, focus, external, firm, knowledge, hub, ...
    title: str | None = None    # tooltip / accessible name; the label by default


@dataclass
class _Placed:
    node: Node
    col: int = 0
    row: float = 0.0
    x: float = 0.0
    y: float = 0.0
    w: float = 0.0
    children: list[str] = field(default_factory=list)


def _short(text: str, limit: int = MAX_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _box_width(label: str) -> float:
    return len(_short(label)) * CHAR_PX + 2 * 10


def _open_link(node: Node) -> str:
    if not node.href:
        return "<g>"
    return f'<a href="{escape(node.href)}">'


def _close_link(node: Node) -> str:
    return "</a>" if node.href else "</g>"


def hierarchy(nodes: list[Node], edges: list[tuple[str, str]], *, title: str) -> Markup:
    """Draw a class hierarchy left to right: roots at the left, subclasses to their right.

    ``edges`` are (subclass, superclass) pairs.  A class with several superclasses is placed under
    the first one met (in label order) and joined to the others by extra edges, so multiple
    inheritance stays visible without duplicating boxes.
    """
    by_id = {n.id: _Placed(n) for n in nodes}
    parents: dict[str, list[str]] = {i: [] for i in by_id}
    for child, parent in edges:
        if child in by_id and parent in by_id and child != parent:
            parents[child].append(parent)
            by_id[parent].children.append(child)
    for placed in by_id.values():
        placed.children.sort(key=lambda c: by_id[c].node.label.lower())
    roots = sorted((i for i, ps in parents.items() if not ps), key=lambda i: by_id[i].node.label.lower())
    if not roots and by_id:  # a cycle of equivalent classes: start anywhere
        roots = [next(iter(by_id))]

    seen: set[str] = set()
    next_row = 0

    def place(node_id: str, col: int) -> float:
        nonlocal next_row
        seen.add(node_id)
        p = by_id[node_id]
        p.col = col
        rows = [place(c, col + 1) for c in p.children if c not in seen]
        if rows:
            p.row = (rows[0] + rows[-1]) / 2
        else:
            p.row = next_row
            next_row += 1
        return p.row

    for root in roots:
        if root not in seen:
            place(root, 0)
    for node_id in by_id:  # anything only reachable through a cycle
        if node_id not in seen:
            place(node_id, 0)

    n_cols = max((p.col for p in by_id.values()), default=0) + 1
    col_w = [0.0] * n_cols
    for p in by_id.values():
        p.w = _box_width(p.node.label) * (BOLD if p.node.kind == "focus" else 1.0)
        col_w[p.col] = max(col_w[p.col], p.w)
    col_x = [PAD]
    for w in col_w[:-1]:
        col_x.append(col_x[-1] + w + COL_GAP)
    for p in by_id.values():
        p.x = col_x[p.col]
        p.y = PAD + p.row * (BOX_H + ROW_GAP)
    width = (col_x[-1] + col_w[-1] + PAD) if by_id else 2 * PAD
    height = PAD * 2 + max(next_row, 1) * (BOX_H + ROW_GAP) - ROW_GAP

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="diagram hierarchy" width="{width:.0f}" '
        f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" role="group" '
        f'aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        '<defs><marker id="subclass-arrow" viewBox="0 0 12 12" refX="11" refY="6" markerWidth="11" '
        'markerHeight="11" orient="auto-start-reverse"><path d="M1,1 L11,6 L1,11 z" class="arrowhead"/>'
        "</marker></defs>",
    ]
    for child_id, parent_ids in parents.items():
        c = by_id[child_id]
        for parent_id in parent_ids:
            p = by_id[parent_id]
            x1, y1 = c.x, c.y + BOX_H / 2
            x2, y2 = p.x + p.w, p.y + BOX_H / 2
            mid = (x1 + x2) / 2 if x1 > x2 else x1 - COL_GAP / 2
            cls = "edge" if child_id in p.children and c.col == p.col + 1 else "edge extra"
            out.append(
                f'<path class="{cls}" d="M{x1:.1f},{y1:.1f} C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} '
                f'{x2 + 1:.1f},{y2:.1f}" marker-end="url(#subclass-arrow)"/>'
            )
    for p in by_id.values():
        n = p.node
        out.append(_open_link(n))
        out.append(f"<title>{escape(n.title or n.label)}</title>")
        out.append(f'<rect class="box {escape(n.kind)}" x="{p.x:.1f}" y="{p.y:.1f}" width="{p.w:.1f}" '
                   f'height="{BOX_H}" rx="5"/>')
        out.append(f'<text class="{escape(n.kind)}" x="{p.x + 10:.1f}" y="{p.y + BOX_H / 2 + 4.5:.1f}">'
                   f"{escape(_short(n.label))}</text>")
        out.append(_close_link(n))
    out.append("</svg>")
    return Markup("\n".join(out))


def _box_exit(x1: float, y1: float, x2: float, y2: float, hw: float, hh: float) -> tuple[float, float]:
    """Where the segment from (x1, y1) to the centre (x2, y2) of a box enters the box."""
    dx, dy = x2 - x1, y2 - y1
    if dx == 0 and dy == 0:
        return x2, y2
    t = min(hw / abs(dx) if dx else math.inf, hh / abs(dy) if dy else math.inf)
    return x2 - dx * t, y2 - dy * t


@dataclass
class Link:
    source: str
    target: str
    kind: str          # CSS class: member, vertical, lateral, diagonal, link
    title: str = ""


def network(hubs: list[Node], actors: list[Node], links: list[Link], *, title: str,
            legend: list[tuple[str, str]] = (), center: Node | None = None) -> Markup:
    """Draw actors on a circle around their hubs (clusters, innovation systems).

    Membership is drawn as thin spokes from a hub to its actors; links between actors as coloured
    chords (class = link type, with an arrow from ``linksFrom`` to ``linksTo``).  A circle keeps any
    number of actors readable without a force simulation, and gives every label room outside it.
    """
    n = max(len(actors), 1)
    hub_w = {h.id: _box_width(_short(h.label, HUB_CHARS)) * BOLD for h in hubs}
    longest_hub = max(hub_w.values(), default=0.0)
    pos: dict[str, tuple[float, float]] = {}
    bend = 0.0
    if actors:
        radius = max(110.0, n * 26 / (2 * math.pi), longest_hub / 2 + 30 if len(hubs) <= 1 else longest_hub * 0.75)
        longest = max(len(_short(a.label, 30)) for a in actors)
        label_room = 24 + longest * CHAR_PX * 0.95
        cx, cy = radius + label_room, radius + 30
        width, height = 2 * (radius + label_room), 2 * (radius + 30)
        hub_r = 0.0 if len(hubs) <= 1 else min(radius * 0.45, 40 + 22 * len(hubs))
    else:  # nothing but the hubs: a compact ring of them (two: one above the other) round the centre
        hub_r = 0.0 if len(hubs) <= 1 and center is None else max(70.0 if center else 45.0, 30.0 * len(hubs))
        spread = hub_r if len(hubs) > 2 else 0.0
        if center is not None:
            hub_w[center.id] = _box_width(_short(center.label, HUB_CHARS)) * BOLD
        # hub-to-hub relations bend round the centre on the right: leave room for the bend
        bend = (max(hub_w.values(), default=0.0) / 2 + 40) if center is not None and any(
            lk.kind == "relation" and center.id not in (lk.source, lk.target) for lk in links) else 0.0
        width = max(max(hub_w.values(), default=0.0) + 2 * spread + 2 * PAD + 2 * bend, 200.0)
        height = 2 * hub_r + BOX_H + 2 * PAD
        cx, cy = width / 2, height / 2
        if center is not None:
            pos[center.id] = (cx, cy)
    for i, actor in enumerate(actors):
        angle = -math.pi / 2 + 2 * math.pi * i / n
        pos[actor.id] = (cx + radius * math.cos(angle), cy + radius * math.sin(angle))
    for i, hub in enumerate(hubs):
        angle = -math.pi / 2 + 2 * math.pi * i / max(len(hubs), 1)
        pos[hub.id] = (cx + hub_r * math.cos(angle), cy + hub_r * math.sin(angle))

    legend_rows, x = (1, PAD) if legend else (0, PAD)
    for _, text in legend:
        if x + 26 + len(text) * CHAR_PX > width:
            legend_rows, x = legend_rows + 1, PAD
        x += 26 + len(text) * CHAR_PX
    legend_h = 20 * legend_rows + 6
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="diagram network" width="{width:.0f}" '
        f'height="{height + legend_h:.0f}" viewBox="0 0 {width:.0f} {height + legend_h:.0f}" '
        f'role="group" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        "<defs>",
    ]
    for kind in sorted({link.kind for link in links}):
        out.append(
            f'<marker id="arrow-{escape(kind)}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
            f'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" class="head {escape(kind)}"/></marker>'
        )
    out.append("</defs>")
    for link in links:
        if link.source not in pos or link.target not in pos:
            continue
        (x1, y1), (x2, y2) = pos[link.source], pos[link.target]
        if link.kind == "relation" and center is not None and center.id not in (link.source, link.target):
            qx, qy = max(x1, x2) + bend * 1.6, (y1 + y2) / 2
            sx, sy = _box_exit(qx, qy, x1, y1, hub_w.get(link.source, 40) / 2, BOX_H / 2)
            ex, ey = _box_exit(qx, qy, x2, y2, hub_w.get(link.target, 40) / 2 + 3, BOX_H / 2 + 3)
            out.append(f'<path class="link relation" d="M{sx:.1f},{sy:.1f} Q{qx:.1f},{qy:.1f} {ex:.1f},{ey:.1f}" '
                       f'marker-end="url(#arrow-relation)"><title>{escape(link.title)}</title></path>')
            continue
        if link.kind == "relation":  # between two hubs: from box edge to box edge, labelled
            sx, sy = _box_exit(x2, y2, x1, y1, hub_w.get(link.source, 40) / 2, BOX_H / 2)
            ex, ey = _box_exit(x1, y1, x2, y2, hub_w.get(link.target, 40) / 2 + 3, BOX_H / 2 + 3)
            out.append(f'<line class="link relation" x1="{sx:.1f}" y1="{sy:.1f}" x2="{ex:.1f}" y2="{ey:.1f}" '
                       f'marker-end="url(#arrow-relation)"><title>{escape(link.title)}</title></line>')
            continue
        if link.kind == "member":
            out.append(f'<line class="link member" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}">'
                       f"<title>{escape(link.title)}</title></line>")
            continue
        # Pull the chord towards the centre so that links between neighbours stay visible.
        mx, my = (x1 + x2) / 2, (y1 + y2) / 2
        qx, qy = mx + (cx - mx) * 0.45, my + (cy - my) * 0.45
        # Stop short of the target's circle so the arrowhead shows.
        dx, dy = x2 - qx, y2 - qy
        d = math.hypot(dx, dy) or 1
        ex, ey = x2 - dx / d * 9, y2 - dy / d * 9
        out.append(f'<path class="link {escape(link.kind)}" d="M{x1:.1f},{y1:.1f} Q{qx:.1f},{qy:.1f} '
                   f'{ex:.1f},{ey:.1f}" marker-end="url(#arrow-{escape(link.kind)})">'
                   f"<title>{escape(link.title)}</title></path>")
    for hub in hubs + ([center] if center is not None and center.id in pos else []):
        x, y = pos[hub.id]
        w = hub_w[hub.id]
        out.append(_open_link(hub))
        out.append(f"<title>{escape(hub.title or hub.label)}</title>")
        out.append(f'<rect class="box hub {escape(hub.kind)}" x="{x - w / 2:.1f}" y="{y - BOX_H / 2:.1f}" '
                   f'width="{w:.1f}" height="{BOX_H}" rx="12"/>')
        out.append(f'<text class="hub {escape(hub.kind)}" x="{x:.1f}" y="{y + 4.5:.1f}" text-anchor="middle">'
                   f"{escape(_short(hub.label, HUB_CHARS))}</text>")
        out.append(_close_link(hub))
    for actor in actors:
        x, y = pos[actor.id]
        dx, dy = x - cx, y - cy
        d = math.hypot(dx, dy) or 1
        tx, ty = x + dx / d * 12, y + dy / d * 12 + 4
        anchor = "start" if dx > 1 else ("end" if dx < -1 else "middle")
        if anchor == "middle":
            ty += 8 if dy > 0 else -8
        out.append(_open_link(actor))
        out.append(f"<title>{escape(actor.title or actor.label)}</title>")
        out.append(f'<circle class="actor {escape(actor.kind)}" cx="{x:.1f}" cy="{y:.1f}" r="8"/>')
        out.append(f'<text class="actor-label" x="{tx:.1f}" y="{ty:.1f}" text-anchor="{anchor}">'
                   f"{escape(_short(actor.label, 30))}</text>")
        out.append(_close_link(actor))
    if legend:
        x = PAD
        y = height + 12
        for cls, text in legend:
            if x + 26 + len(text) * CHAR_PX > width:
                x, y = PAD, y + 20
            out.append(f'<circle class="actor legend {escape(cls)}" cx="{x + 6:.1f}" cy="{y:.1f}" r="6"/>'
                       if not cls.startswith("link ")
                       else f'<line class="{escape(cls)}" x1="{x:.1f}" y1="{y:.1f}" x2="{x + 14:.1f}" y2="{y:.1f}"/>')
            out.append(f'<text class="legend" x="{x + 18:.1f}" y="{y + 4:.1f}">{escape(text)}</text>')
            x += 26 + len(text) * CHAR_PX
    out.append("</svg>")
    return Markup("\n".join(out))


def property_picture(domains: list[Node], prop: Node, ranges: list[Node], *, title: str) -> Markup:
    """A property between its domain and its range: domain boxes → the property → range boxes."""
    columns = [domains or [Node(id="any-domain", label="any resource", kind="external")], [prop],
               ranges or [Node(id="any-range", label="any value", kind="external")]]
    widths = [max(_box_width(n.label) * (BOLD if n.kind == "focus" else 1.0) for n in col) for col in columns]
    rows = max(len(col) for col in columns)
    height = PAD * 2 + rows * (BOX_H + ROW_GAP) - ROW_GAP
    gap = COL_GAP * 1.6
    xs = [PAD, PAD + widths[0] + gap, PAD + widths[0] + gap + widths[1] + gap]
    width = xs[2] + widths[2] + PAD
    placed: list[list[tuple[Node, float, float, float]]] = []
    for col, x, w in zip(columns, xs, widths):
        top = PAD + (rows - len(col)) * (BOX_H + ROW_GAP) / 2
        placed.append([(n, x, top + i * (BOX_H + ROW_GAP), _box_width(n.label) * (BOLD if n.kind == "focus" else 1.0))
                       for i, n in enumerate(col)])
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="diagram property" width="{width:.0f}" '
        f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" role="group" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        '<defs><marker id="property-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" '
        'orient="auto"><path d="M0,0 L10,5 L0,10 z" class="head relation"/></marker></defs>',
    ]
    (p_node, px, py, pw), = placed[1]
    for n, x, y, w in placed[0]:
        out.append(f'<path class="link prop" d="M{x + w:.1f},{y + BOX_H / 2:.1f} C{px - gap / 2:.1f},'
                   f'{y + BOX_H / 2:.1f} {px - gap / 2:.1f},{py + BOX_H / 2:.1f} {px - 2:.1f},{py + BOX_H / 2:.1f}" '
                   f'marker-end="url(#property-arrow)"/>')
    for n, x, y, w in placed[2]:
        out.append(f'<path class="link prop" d="M{px + pw:.1f},{py + BOX_H / 2:.1f} C{x - gap / 2:.1f},'
                   f'{py + BOX_H / 2:.1f} {x - gap / 2:.1f},{y + BOX_H / 2:.1f} {x - 2:.1f},{y + BOX_H / 2:.1f}" '
                   f'marker-end="url(#property-arrow)"/>')
    for col in placed:
        for n, x, y, w in col:
            out.append(_open_link(n))
            out.append(f"<title>{escape(n.title or n.label)}</title>")
            out.append(f'<rect class="box {escape(n.kind)}" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" '
                       f'height="{BOX_H}" rx="{13 if n.kind == "focus" else 5}"/>')
            out.append(f'<text class="{escape(n.kind)}" x="{x + 10:.1f}" y="{y + BOX_H / 2 + 4.5:.1f}">'
                       f"{escape(_short(n.label))}</text>")
            out.append(_close_link(n))
    out.append("</svg>")
    return Markup("\n".join(out))
