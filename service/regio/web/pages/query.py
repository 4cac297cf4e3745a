"""``/``: the query page — a SPARQL editor over this service's own ``/sparql`` endpoint.

The page is plain HTML that works without script (the form submits to ``/sparql``); ``query.js``
turns it into an editor: CodeMirror with SPARQL highlighting, Ctrl+Enter to run, results as a
table whose IRIs are shown by label and linked to the pages that know the domain, downloads in
every result format the endpoint serves, and the query kept in the URL so a link can be shared.
The competency questions in ``queries/*.rq`` are offered as examples.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import Blueprint, abort, render_template, request

from regio import paths

from . import add_error_page, data, negotiate

bp = Blueprint("query_page", __name__)
add_error_page(bp)

#: The longest query the page will put back into its editor from the URL.
MAX_QUERY_CHARS = 100_000

DEFAULT_QUERY = """SELECT ?region ?label ?cluster ?clusterLabel WHERE {
  ?cluster regio:locatedIn ?region .
  ?cluster a regio:Cluster .
  OPTIONAL { ?region rdfs:label ?label FILTER(langMatches(lang(?label), "en")) }
  OPTIONAL { ?cluster rdfs:label ?clusterLabel FILTER(langMatches(lang(?clusterLabel), "en")) }
}
ORDER BY ?label
LIMIT 100
"""

_PREFIX_DECL = re.compile(r"^\s*PREFIX\s+([A-Za-z][\w.-]*)?:", re.IGNORECASE | re.MULTILINE)


def with_prefixes(query: str) -> str:
    """Prepend our PREFIX lines for the prefixes a query uses but does not declare."""
    declared = {m.group(1) or "" for m in _PREFIX_DECL.finditer(query)}
    body = re.sub(r"<[^>]*>|\"[^\"]*\"|#[^\n]*", " ", query)  # ignore IRIs, strings, comments
    needed = [p for p in data.PREFIXES if p not in declared and re.search(rf"(?<![\w:]){re.escape(p)}:", body)]
    lines = "".join(f"PREFIX {p}: <{data.PREFIXES[p]}>\n" for p in needed)
    return lines + query if lines else query


def parse_example(path: Path) -> dict:
    """Title and question from the comment header of a ``.rq`` file; the query text as it is."""
    text = path.read_text(encoding="utf-8")
    comments: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            comments.append(stripped.lstrip("#").strip())
        elif stripped and not stripped.upper().startswith(("PREFIX", "BASE")):
            break
    fields: dict[str, str] = {}
    paragraphs: list[list[str]] = [[]]
    for line in comments:
        m = re.match(r"^(title|question|cq|description|expected|answer)\s*:\s*(.*)$", line, re.IGNORECASE)
        if m:
            fields[m.group(1).lower()] = m.group(2).strip()
        elif not line or set(line) <= set("-=*#"):
            if paragraphs[-1]:
                paragraphs.append([])
        else:
            paragraphs[-1].append(line)
    prose = [" ".join(p) for p in paragraphs if p]
    # The first paragraph of the header is the question; the rest explains it.
    title = fields.get("title") or fields.get("question") or fields.get("cq") or (prose[0] if prose else path.stem)
    description = fields.get("description") or " ".join(p for p in prose if p != title)
    return {"id": path.stem, "title": title, "description": description, "query": with_prefixes(text)}


def examples() -> list[dict]:
    found = []
    for path in sorted(paths.QUERIES_DIR.glob("*.rq")):
        try:
            found.append(parse_example(path))
        except (OSError, UnicodeDecodeError):
            continue  # a broken file must not take the page down
    return found


def _inference() -> bool:
    """The ``inference`` parameter, with the endpoint's rule: junk is a 400, not "true"."""
    from regio.store import BadRequest
    from regio.web.sparql import inference_flag

    try:
        return inference_flag(request.args.get("inference"))
    except BadRequest as exc:
        abort(400, description=exc.message)


@bp.route("/")
def page():
    query = request.args.get("query", "")[:MAX_QUERY_CHARS]
    picked = request.args.get("example", "")
    listed = examples()
    if query:
        query = with_prefixes(query)  # links from the other pages use regio:, rdfs:, … without PREFIX
    example = next((e for e in listed if e["id"] == picked), None) if picked else None
    if not query and example:
        query = example["query"]
    if not query:
        query = data.sparql_prefixes() + "\n" + DEFAULT_QUERY
    return negotiate.html_response(render_template(
        "pages/query.html", title="Query", query=query, examples=listed, picked=example,
        inference=_inference(),
        autorun=bool(request.args.get("run")),
    ))
