import java.io.File;
import java.util.List;
import java.util.stream.Collectors;

import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.io.OWLOntologyLoaderMetaData;
import org.semanticweb.owlapi.io.RDFParserMetaData;
import org.semanticweb.owlapi.model.IRI;
import org.semanticweb.owlapi.model.MissingImportHandlingStrategy;
import org.semanticweb.owlapi.model.OWLDocumentFormat;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileReport;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;
import org.semanticweb.owlapi.util.SimpleIRIMapper;

/**
 * Loads an ontology document with the OWL API (the library Protégé is built on) and reports, for
 * it and every ontology in its imports closure, the document format, the number of axioms and the
 * triples the RDF parser could not turn into OWL; then the OWL 2 DL profile violations of the
 * whole closure.
 *
 * Usage: OwlCheck FILE [IMPORT-IRI=FILE ...]   (imports are mapped to local files, never fetched)
 * Output: one line per item, tab separated, so the Python test can parse it:
 *   ONTOLOGY  iri  format  axioms  unparsed
 *   UNPARSED  iri  triple
 *   VIOLATION text
 *   SUMMARY   unparsed  violations
 */
public final class OwlCheck {
    public static void main(String[] args) throws Exception {
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        manager.setOntologyLoaderConfiguration(manager.getOntologyLoaderConfiguration()
                .setMissingImportHandlingStrategy(MissingImportHandlingStrategy.THROW_EXCEPTION));
        for (int i = 1; i < args.length; i++) {
            String[] pair = args[i].split("=", 2);
            manager.getIRIMappers().add(new SimpleIRIMapper(IRI.create(pair[0]), IRI.create(new File(pair[1]))));
        }
        OWLOntology root = manager.loadOntologyFromOntologyDocument(new File(args[0]));
        long unparsedTotal = 0;
        for (OWLOntology ontology : root.getImportsClosure()) {
            OWLDocumentFormat format = manager.getOntologyFormat(ontology);
            String iri = ontology.getOntologyID().getOntologyIRI().map(IRI::toString).orElse("(anonymous)");
            List<String> unparsed = List.of();
            if (format != null && format.getOntologyLoaderMetaData().isPresent()) {
                OWLOntologyLoaderMetaData meta = format.getOntologyLoaderMetaData().get();
                if (meta instanceof RDFParserMetaData) {
                    unparsed = ((RDFParserMetaData) meta).getUnparsedTriples()
                            .map(Object::toString).collect(Collectors.toList());
                }
            }
            unparsedTotal += unparsed.size();
            System.out.println("ONTOLOGY\t" + iri + "\t" + (format == null ? "?" : format.getKey())
                    + "\t" + ontology.getAxiomCount() + "\t" + unparsed.size());
            for (String triple : unparsed) {
                System.out.println("UNPARSED\t" + iri + "\t" + triple.replace('\n', ' '));
            }
        }
        OWLProfileReport report = new OWL2DLProfile().checkOntology(root);
        for (OWLProfileViolation violation : report.getViolations()) {
            System.out.println("VIOLATION\t" + violation.toString().replace('\n', ' '));
        }
        System.out.println("SUMMARY\t" + unparsedTotal + "\t" + report.getViolations().size());
    }
}
