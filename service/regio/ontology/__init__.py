"""The REGIO ontology as files: building the RDF/XML renderings, reasoning, documentation."""
