"""REGIO: the open knowledge base of regional innovation.

The package bundles the ontology of Bjørn Asheim's "Localised Learning, Innovation and Regional
Clusters", the SHACL shapes for region data, the instance data about real regions and the SPARQL 1.1
service over all of it.  Heavy dependencies (pySHACL, owlready2, Flask) are imported lazily so that
``import regio`` and ``regio --help`` stay fast.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version as _dist_version

try:
    __version__ = _dist_version("regio")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

NAMESPACE = "https://w3id.org/regio#"
SHAPES_NAMESPACE = "https://w3id.org/regio/shapes#"

__all__ = ["NAMESPACE", "SHAPES_NAMESPACE", "__version__", "validate"]


def __getattr__(name: str):
    """Lazy exports: ``regio.validate`` without importing pySHACL on ``import regio``."""
    if name == "validate":
        from regio.validation import validate

        return validate
    raise AttributeError(f"module 'regio' has no attribute {name!r}")
