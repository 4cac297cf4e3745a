import java.io.File;
import java.util.ArrayList;
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
 * Usage: OwlCheck FILE... [IMPORT-IRI=FILE ...]
 * Each FILE is loaded by a fresh manager; imports are mapped to local files, never fetched.
 * Output: one line per item, tab separated, so the Python test can parse it:
 *   FILE      path
 *   ONTOLOGY  iri  format  axioms  unparsed
 *   UNPARSED  iri  triple
 *   VIOLATION text
 *   SUMMARY   unparsed  violations
 *   ERROR     message            (the file could not be loaded)
 */
public final class OwlCheck {
    public static void main(String[] args) {
        List<String> files = new ArrayList<>();
        List<String[]> mappings = new ArrayList<>();
        for (String arg : args) {
            if (arg.contains("=") && arg.matches("^[a-z]+:.*")) {
                mappings.add(arg.split("=", 2));
            } else {
                files.add(arg);
            }
        }
        for (String file : files) {
            System.out.println("FILE\t" + file);
            try {
                check(new File(file), mappings);
            } catch (Exception e) {
                System.out.println("ERROR\t" + String.valueOf(e).replace('\n', ' '));
            }
        }
    }

    private static void check(File file, List<String[]> mappings) throws Exception {
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        manager.setOntologyLoaderConfiguration(manager.getOntologyLoaderConfiguration()
                .setMissingImportHandlingStrategy(MissingImportHandlingStrategy.THROW_EXCEPTION));
        for (String[] pair : mappings) {
            manager.getIRIMappers().add(new SimpleIRIMapper(IRI.create(pair[0]), IRI.create(new File(pair[1]))));
        }
        OWLOntology root = manager.loadOntologyFromOntologyDocument(file);
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
