/* The query page: editor, run, results table with labels, downloads, shareable link.
   Everything from the server is put into the page with textContent / setAttribute, never
   innerHTML, so a label or literal containing markup is shown as text. */
(function () {
  "use strict";

  var form = document.getElementById("query-form");
  var textarea = document.getElementById("query");
  var runButton = document.getElementById("run");
  var inference = document.getElementById("inference");
  var statusLine = document.getElementById("status");
  var errorBox = document.getElementById("error");
  var resultsBox = document.getElementById("results");
  var downloads = document.getElementById("downloads");
  var downloadButtons = document.getElementById("download-buttons");
  var shareLink = document.getElementById("share-link");
  var copyLink = document.getElementById("copy-link");
  var examples = JSON.parse(document.getElementById("examples-data").textContent || "[]");
  var options = JSON.parse(document.getElementById("page-options").textContent || "{}");

  var MAX_SHOWN = 1000;
  var MAX_LABELS = 2000;
  var SELECT_FORMATS = [
    ["JSON", "application/sparql-results+json", "json"],
    ["XML", "application/sparql-results+xml", "srx"],
    ["CSV", "text/csv", "csv"],
    ["TSV", "text/tab-separated-values", "tsv"]
  ];
  var GRAPH_FORMATS = [
    ["Turtle", "text/turtle", "ttl"],
    ["N-Triples", "application/n-triples", "nt"],
    ["RDF/XML", "application/rdf+xml", "rdf"],
    ["JSON-LD", "application/ld+json", "jsonld"]
  ];

  /* --- editor --------------------------------------------------------------------------- */
  var editor = null;
  if (window.CodeMirror) {
    editor = window.CodeMirror.fromTextArea(textarea, {
      mode: "application/sparql-query",
      lineNumbers: true,
      matchBrackets: true,
      indentUnit: 2,
      viewportMargin: 50,
      lineWrapping: true,
      extraKeys: {
        "Ctrl-Enter": function () { run(); },
        "Cmd-Enter": function () { run(); },
        // Tab leaves the editor (no keyboard trap); indentation is two spaces via Ctrl-].
        "Tab": false,
        "Shift-Tab": false
      }
    });
    editor.getInputField().setAttribute("aria-label", "SPARQL query");
    var label = document.querySelector("label[for=query]");
    if (label) {
      label.addEventListener("click", function () { editor.focus(); });
    }
  } else {
    textarea.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        run();
      }
    });
  }

  function getQuery() { return editor ? editor.getValue() : textarea.value; }
  function setQuery(text) {
    if (editor) { editor.setValue(text); editor.focus(); } else { textarea.value = text; textarea.focus(); }
  }

  /* --- examples --------------------------------------------------------------------------- */
  var description = document.getElementById("example-description");
  function pick(id) {
    var example = null;
    for (var i = 0; i < examples.length; i++) { if (examples[i].id === id) { example = examples[i]; } }
    if (!example) { return; }
    setQuery(example.query);
    var items = document.querySelectorAll("#example-list li");
    for (var j = 0; j < items.length; j++) {
      items[j].setAttribute("aria-current", items[j].getAttribute("data-example") === id ? "true" : "false");
    }
    if (description) { description.textContent = example.title + (example.description ? " " + example.description : ""); }
    setStatus("Example loaded: " + example.title + " — press Run or Ctrl+Enter.");
  }
  var exampleButtons = document.querySelectorAll("button.example");
  for (var b = 0; b < exampleButtons.length; b++) {
    exampleButtons[b].addEventListener("click", function (event) {
      pick(event.currentTarget.getAttribute("data-example"));
    });
  }

  /* --- running ---------------------------------------------------------------------------- */
  form.addEventListener("submit", function (event) { event.preventDefault(); run(); });

  function setStatus(text) { statusLine.textContent = text; }
  function showError(title, detail) {
    errorBox.textContent = "";
    var strong = document.createElement("strong");
    strong.textContent = title;
    errorBox.appendChild(strong);
    errorBox.appendChild(document.createTextNode(detail || ""));
    errorBox.hidden = false;
  }

  function params(query) {
    var body = new URLSearchParams();
    body.set("query", query);
    if (!inference.checked) { body.set("inference", "false"); }
    return body;
  }

  function sparqlFetch(query, accept) {
    return fetch("/sparql", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": accept },
      body: params(query).toString()
    });
  }

  function updateLink(query) {
    var search = "?query=" + encodeURIComponent(query) + (inference.checked ? "" : "&inference=false");
    try { window.history.replaceState(null, "", search); } catch (e) { /* file:// or sandbox */ }
    shareLink.value = window.location.origin + "/" + search;
  }

  var running = false;
  function run() {
    if (running) { return; }
    var query = getQuery();
    if (!query.trim()) { showError("Nothing to run", "\nWrite a query or pick an example."); return; }
    running = true;
    runButton.disabled = true;
    errorBox.hidden = true;
    downloads.hidden = true;
    resultsBox.textContent = "";
    resultsBox.setAttribute("aria-busy", "true");
    setStatus("Running…");
    updateLink(query);
    var started = performance.now();
    sparqlFetch(query, "application/sparql-results+json, application/n-triples;q=0.9, text/plain;q=0.1")
      .then(function (response) {
        return response.text().then(function (text) {
          return { response: response, text: text };
        });
      })
      .then(function (r) {
        var seconds = ((performance.now() - started) / 1000).toFixed(2);
        if (!r.response.ok) {
          setStatus("");
          showError("The query failed (HTTP " + r.response.status + " " + r.response.statusText + ")",
                    "\n" + errorText(r.text));
          return;
        }
        var type = (r.response.headers.get("Content-Type") || "").split(";")[0].trim();
        if (type === "application/sparql-results+json" || type === "application/json") {
          var json = JSON.parse(r.text);
          if (typeof json.boolean === "boolean") {
            showAsk(json.boolean);
            setStatus("Answer in " + seconds + " s.");
            showDownloads(query, SELECT_FORMATS.slice(0, 2));
          } else {
            var rows = json.results.bindings;
            showTable(json.head.vars, rows);
            setStatus(rows.length + " row" + (rows.length === 1 ? "" : "s") + " in " + seconds + " s" +
                      (rows.length > MAX_SHOWN ? " (the first " + MAX_SHOWN + " shown; download for all)." : "."));
            showDownloads(query, SELECT_FORMATS);
          }
        } else {
          var triples = parseNTriples(r.text);
          showTable(["subject", "predicate", "object"], triples);
          setStatus(triples.length + " triple" + (triples.length === 1 ? "" : "s") + " in " + seconds + " s" +
                    (triples.length > MAX_SHOWN ? " (the first " + MAX_SHOWN + " shown; download for all)." : "."));
          showDownloads(query, GRAPH_FORMATS);
        }
      })
      .catch(function (err) {
        setStatus("");
        showError("The query could not be run", "\n" + String(err && err.message ? err.message : err));
      })
      .then(function () {
        running = false;
        runButton.disabled = false;
        resultsBox.removeAttribute("aria-busy");
      });
  }

  function errorText(text) {
    try {
      var json = JSON.parse(text);
      return json.message || json.error || json.detail || text;
    } catch (e) {
      // An HTML error page: show its text, not its markup.
      if (/^\s*</.test(text)) {
        var doc = new DOMParser().parseFromString(text, "text/html");
        return (doc.body ? doc.body.textContent : text).replace(/\n\s*\n+/g, "\n").trim();
      }
      return text;
    }
  }

  /* --- results ---------------------------------------------------------------------------- */
  function hrefFor(iri) {
    var regio = "https://w3id.org/regio#", rid = "https://w3id.org/regio/id/";
    if (iri.indexOf(regio) === 0 && iri.length > regio.length) {
      return "/ontology/" + encodeURIComponent(iri.slice(regio.length));
    }
    if (iri === "https://w3id.org/regio") { return "/ontology"; }
    if (iri.indexOf(rid) === 0 && iri.length > rid.length) {
      return "/id/" + iri.slice(rid.length).split("/").map(encodeURIComponent).join("/");
    }
    return "/resource?iri=" + encodeURIComponent(iri);
  }

  function cell(term, iris) {
    var td = document.createElement("td");
    if (!term) { return td; }
    if (term.type === "uri") {
      var a = document.createElement("a");
      a.href = hrefFor(term.value);
      a.textContent = term.value;
      a.title = term.value;
      a.setAttribute("data-iri", term.value);
      td.appendChild(a);
      iris[term.value] = true;
    } else if (term.type === "bnode") {
      td.textContent = "_:" + term.value;
      td.className = "muted";
    } else {
      td.appendChild(document.createTextNode(term.value));
      var meta = term["xml:lang"] ? "@" + term["xml:lang"] :
                 (term.datatype && term.datatype !== "http://www.w3.org/2001/XMLSchema#string" ? shortDatatype(term.datatype) : "");
      if (meta) {
        var span = document.createElement("span");
        span.className = "lit-meta";
        span.textContent = " " + meta;
        td.appendChild(span);
      }
      if (/#(integer|decimal|double|float|nonNegativeInteger|int|long|gYear)$/.test(term.datatype || "")) {
        td.className = "num";
      }
    }
    return td;
  }

  function shortDatatype(dt) {
    return dt.indexOf("http://www.w3.org/2001/XMLSchema#") === 0 ? "xsd:" + dt.slice(33) : "^^" + dt;
  }

  function showTable(vars, rows) {
    if (!rows.length) {
      var p = document.createElement("p");
      p.className = "muted";
      p.textContent = "No results.";
      resultsBox.appendChild(p);
      return;
    }
    var wrap = document.createElement("div");
    wrap.className = "results-wrap";
    var table = document.createElement("table");
    table.className = "data";
    table.id = "results-table";
    var thead = table.createTHead().insertRow();
    var th = document.createElement("th");
    th.textContent = "#";
    th.className = "num";
    th.scope = "col";
    thead.appendChild(th);
    vars.forEach(function (v) {
      var h = document.createElement("th");
      h.scope = "col";
      h.textContent = "?" + v;
      thead.appendChild(h);
    });
    var tbody = table.createTBody();
    var iris = {};
    rows.slice(0, MAX_SHOWN).forEach(function (row, i) {
      var tr = tbody.insertRow();
      var n = document.createElement("td");
      n.className = "num muted";
      n.textContent = String(i + 1);
      tr.appendChild(n);
      vars.forEach(function (v) { tr.appendChild(cell(row[v], iris)); });
    });
    wrap.appendChild(table);
    resultsBox.appendChild(wrap);
    labelIris(Object.keys(iris).slice(0, MAX_LABELS), table);
  }

  function labelIris(iris, table) {
    if (!iris.length) { return; }
    fetch("/labels", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(iris)
    }).then(function (response) {
      return response.ok ? response.json() : {};
    }).then(function (found) {
      var anchors = table.querySelectorAll("a[data-iri]");
      for (var i = 0; i < anchors.length; i++) {
        var info = found[anchors[i].getAttribute("data-iri")];
        if (!info) { continue; }
        anchors[i].textContent = info.label;
        anchors[i].href = info.href;
        var small = document.createElement("span");
        small.className = "iri-curie";
        small.textContent = info.curie;
        anchors[i].parentNode.appendChild(small);
      }
    }).catch(function () { /* labels are a nicety: the IRIs stay */ });
  }

  function showAsk(answer) {
    var p = document.createElement("p");
    p.className = "ask-answer";
    p.id = "ask-answer";
    p.textContent = answer ? "Yes (true)" : "No (false)";
    resultsBox.appendChild(p);
  }

  /* N-Triples, as the endpoint writes them: one triple per line. */
  var TERM = /^(?:<([^>]*)>|_:(\S+)|"((?:[^"\\]|\\.)*)"(?:@([A-Za-z0-9-]+)|\^\^<([^>]*)>)?)\s*/;
  function unescapeLiteral(s) {
    return s.replace(/\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})|\\(.)/g, function (m, u4, u8, c) {
      if (u4) { return String.fromCharCode(parseInt(u4, 16)); }
      if (u8) { return String.fromCodePoint(parseInt(u8, 16)); }
      return { t: "\t", n: "\n", r: "\r", b: "\b", f: "\f", '"': '"', "'": "'", "\\": "\\" }[c] || c;
    });
  }
  function parseNTriples(text) {
    var out = [];
    text.split("\n").forEach(function (line) {
      var rest = line.trim();
      if (!rest || rest.charAt(0) === "#") { return; }
      var terms = [];
      for (var k = 0; k < 3; k++) {
        var m = TERM.exec(rest);
        if (!m) { return; }
        if (m[1] !== undefined) { terms.push({ type: "uri", value: m[1] }); }
        else if (m[2] !== undefined) { terms.push({ type: "bnode", value: m[2] }); }
        else {
          var t = { type: "literal", value: unescapeLiteral(m[3]) };
          if (m[4]) { t["xml:lang"] = m[4]; }
          if (m[5]) { t.datatype = m[5]; }
          terms.push(t);
        }
        rest = rest.slice(m[0].length);
      }
      out.push({ subject: terms[0], predicate: terms[1], object: terms[2] });
    });
    return out;
  }

  /* --- downloads and link ------------------------------------------------------------------ */
  function showDownloads(query, formats) {
    downloadButtons.textContent = "";
    formats.forEach(function (f) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      button.textContent = f[0];
      button.setAttribute("data-format", f[2]);
      button.title = "Download as " + f[1];
      button.addEventListener("click", function () { download(query, f[1], "results." + f[2], button); });
      downloadButtons.appendChild(button);
      downloadButtons.appendChild(document.createTextNode(" "));
    });
    downloads.hidden = false;
  }

  function download(query, accept, filename, button) {
    button.disabled = true;
    sparqlFetch(query, accept).then(function (response) {
      if (!response.ok) {
        return response.text().then(function (t) { throw new Error("HTTP " + response.status + ": " + errorText(t)); });
      }
      return response.blob();
    }).then(function (blob) {
      var url = URL.createObjectURL(blob);
      var a = document.createElement("a");
      a.href = url;
      a.download = filename;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
    }).catch(function (err) {
      showError("The download failed", "\n" + err.message);
    }).then(function () { button.disabled = false; });
  }

  copyLink.addEventListener("click", function () {
    if (!shareLink.value) { updateLink(getQuery()); }
    shareLink.select();
    var done = function () { setStatus("Link copied."); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(shareLink.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  });

  shareLink.value = window.location.href;
  if (options.autorun) { run(); }
  window.regioQueryPage = { run: run, pick: pick, getQuery: getQuery };
})();
