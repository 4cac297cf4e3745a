"""Validation of region data against REGIO's SHACL shapes (``regio validate``, ``regio.validate``).

The public API, relied on by the SPARQL service (which validates every write before committing
it) and the web validate page:

- :func:`validate` ``(data, *, inference="none"|"rdfs"|"owlrl") -> ValidationReport``
- :class:`ValidationReport`: ``conforms``, ``results``, ``counts()``, ``fails(fail_on)``,
  ``to_text()``, ``to_json()``, ``to_turtle()``, ``to_html()``
- :class:`ValidationResult`: ``focus_node``, ``focus_label``, ``path`` (``path_text``), ``value``,
  ``message`` (placeholders filled in), ``severity`` ("Violation" | "Warning" | "Info"),
  ``source_shape``, ``constraint_component``
- :class:`InputError`: unreadable or unparsable input, with ``source``, ``line``, ``column``.
"""

from __future__ import annotations

from regio.validation.engine import reference_validate, resources, validate
from regio.validation.inputs import InputError, Source
from regio.validation.report import ValidationReport, ValidationResult

__all__ = [
    "InputError",
    "Source",
    "ValidationReport",
    "ValidationResult",
    "reference_validate",
    "resources",
    "validate",
]
