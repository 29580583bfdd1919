package dev.apiguard.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the documentation true to the code. The Markdown of {@code README.md},
 * {@code CONTRIBUTING.md} and {@code docs/*.md} shows Java only as copies of regions of real source
 * files, which the build compiles (and {@link DocsExamplesTest} runs):
 *
 * <ul>
 *   <li>a fenced block preceded by {@code <!-- snippet: dev/apiguard/docs/QuickStart.java#guard -->}
 *       must hold the region {@code guard} of that file, whitespace-normalised. A region lies
 *       between the lines {@code // tag::guard[]} and {@code // end::guard[]}; a file may mark
 *       several regions of one name (the imports, then a method), which are shown one after the
 *       other, separated by a blank line. Paths are looked up in {@link #SNIPPET_ROOTS};</li>
 *   <li>every {@code ```java} block carries such a marker: no Java in the docs that the compiler
 *       has not seen;</li>
 *   <li>every region of the files under {@code dev/apiguard/docs} is shown somewhere;</li>
 *   <li>every relative link {@code [text](path)} or {@code [text](path#anchor)} names a file or
 *       directory of the repository, and the anchor a heading of the Markdown file it points to.</li>
 * </ul>
 *
 * <p>To bring the Markdown in line with the sources after changing a snippet file, run
 * <pre>
 * mvn -B -o test -pl api-guard-examples -am -Dtest=DocsSnippetsTest -Dsurefire.failIfNoSpecifiedTests=false -Ddocs.update=true
 * </pre>
 * which rewrites every marked block from its region (and then passes); without
 * {@code -Ddocs.update=true} a stale block fails with the block it expected.
 */
class DocsSnippetsTest {

    /** The repository's root: the first directory up from here that holds {@code .ci/run}. */
    static final Path ROOT = findRoot();

    /** Where snippet paths are looked up (test sources compiled by the build). */
    static final List<Path> SNIPPET_ROOTS = List.of(
            ROOT.resolve("api-guard-examples/src/test/java"),
            ROOT.resolve("api-guard-spring-example/src/test/java"),
            ROOT.resolve("api-guard-spring-boot-autoconfigure/src/test/java"));

    /** The package whose every region must be shown in the docs. */
    static final String DOCS_PACKAGE = "dev/apiguard/docs";

    private static final Pattern MARKER = Pattern.compile("^\\s*<!--\\s*snippet:\\s*(\\S+?)#(\\S+?)\\s*-->\\s*$");
    private static final Pattern FENCE = Pattern.compile("^(\\s*)(`{3,}|~{3,})\\s*([^`\\s]*).*$");
    private static final Pattern REGION = Pattern.compile("(tag|end)::([\\w.-]+)\\[\\]");
    private static final Pattern LINK = Pattern.compile("\\[[^\\]\\n]*\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
    private static final Pattern HEADING = Pattern.compile("^(#{1,6})\\s+(.*?)\\s*#*\\s*$");
    private static final Pattern INLINE_CODE = Pattern.compile("`+[^`]*`+");

    @Test
    void everyMarkedBlockShowsItsSourceRegion() throws IOException {
        boolean update = Boolean.getBoolean("docs.update");
        List<String> stale = new ArrayList<>();
        int checked = 0;
        for (Path doc : documents()) {
            List<String> lines = read(doc);
            boolean changed = false;
            List<Block> blocks = blocks(doc, lines);
            // from the last block up, so that rewriting one keeps the line numbers of those above
            for (int i = blocks.size() - 1; i >= 0; i--) {
                Block block = blocks.get(i);
                if (block.snippet() == null) {
                    continue;
                }
                checked++;
                List<String> expected = block.snippet().lines();
                if (normalise(expected).equals(normalise(block.body()))) {
                    continue;
                }
                if (update) {
                    List<String> indented = expected.stream()
                            .map(l -> l.isEmpty() ? l : block.indent() + l)
                            .collect(Collectors.toList());
                    lines.subList(block.bodyStart(), block.bodyEnd()).clear();
                    lines.addAll(block.bodyStart(), indented);
                    changed = true;
                    System.out.println(
                            "docs.update: rewrote " + where(doc, block.fenceLine()) + " from " + block.snippet());
                } else {
                    stale.add(where(doc, block.fenceLine()) + " differs from " + block.snippet() + "; expected:\n"
                            + block.indent() + "```java\n"
                            + expected.stream()
                                    .map(l -> l.isEmpty() ? l : block.indent() + l)
                                    .collect(Collectors.joining("\n"))
                            + "\n" + block.indent() + "```");
                }
            }
            if (changed) {
                Files.write(doc, lines, StandardCharsets.UTF_8);
            }
        }
        assertTrue(checked > 0, "no marked snippet found in " + documents());
        if (!stale.isEmpty()) {
            fail(stale.size() + " snippet(s) differ from their source region; rerun with -Ddocs.update=true to "
                    + "rewrite them (see CONTRIBUTING.md)\n\n" + String.join("\n\n", stale));
        }
    }

    @Test
    void everyJavaBlockIsMarked() throws IOException {
        List<String> unmarked = new ArrayList<>();
        for (Path doc : documents()) {
            for (Block block : blocks(doc, read(doc))) {
                if (block.info().equalsIgnoreCase("java") && block.snippet() == null) {
                    unmarked.add(where(doc, block.fenceLine()));
                }
            }
        }
        assertEquals(
                List.of(),
                unmarked,
                "a ```java block needs a <!-- snippet: path#region --> line before it, and its code in that "
                        + "region of a compiled source file");
    }

    @Test
    void everySnippetRegionIsShownSomewhere() throws IOException {
        Set<String> shown = new TreeSet<>();
        for (Path doc : documents()) {
            for (Block block : blocks(doc, read(doc))) {
                if (block.snippet() != null) {
                    shown.add(block.snippet().file() + "#" + block.snippet().region());
                }
            }
        }
        Set<String> defined = new TreeSet<>();
        for (Path root : SNIPPET_ROOTS) {
            Path dir = root.resolve(DOCS_PACKAGE);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(dir)) {
                // this file names the markers in its documentation; it shows no region
                for (Path file : files.filter(f -> f.toString().endsWith(".java"))
                        .filter(f -> !f.getFileName().toString().equals("DocsSnippetsTest.java"))
                        .collect(Collectors.toList())) {
                    String relative = root.relativize(file).toString().replace('\\', '/');
                    for (String line : read(file)) {
                        Matcher m = REGION.matcher(line);
                        if (m.find() && m.group(1).equals("tag")) {
                            defined.add(relative + "#" + m.group(2));
                        }
                    }
                }
            }
        }
        defined.removeAll(shown);
        assertEquals(Set.of(), defined, "regions that no document shows: show them, or drop their markers");
    }

    @Test
    void everyRelativeLinkResolves() throws IOException {
        Map<Path, Set<String>> anchors = new HashMap<>();
        List<String> broken = new ArrayList<>();
        int links = 0;
        for (Path doc : documents()) {
            List<String> lines = read(doc);
            boolean[] fenced = fenced(doc, lines);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (fenced[i]) {
                    continue;
                }
                Matcher m = LINK.matcher(INLINE_CODE.matcher(line).replaceAll(""));
                while (m.find()) {
                    String target = m.group(1);
                    if (target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*") || target.startsWith("//")) {
                        continue; // http:, https:, mailto:
                    }
                    links++;
                    int hash = target.indexOf('#');
                    String path = hash < 0 ? target : target.substring(0, hash);
                    String anchor = hash < 0 ? null : target.substring(hash + 1);
                    Path resolved =
                            path.isEmpty() ? doc : doc.getParent().resolve(path).normalize();
                    if (!resolved.startsWith(ROOT) || !Files.exists(resolved)) {
                        broken.add(where(doc, i + 1) + ": " + target + " (no such file)");
                        continue;
                    }
                    if (anchor != null && resolved.toString().endsWith(".md")) {
                        Set<String> known = anchors.computeIfAbsent(resolved, DocsSnippetsTest::anchors);
                        if (!known.contains(anchor)) {
                            broken.add(where(doc, i + 1) + ": " + target + " (no heading with anchor #" + anchor
                                    + " in " + ROOT.relativize(resolved) + ")");
                        }
                    }
                }
            }
        }
        assertTrue(links > 0, "no relative link found");
        assertEquals(List.of(), broken, "broken relative links");
    }

    // --- the Markdown side

    /** README.md, CONTRIBUTING.md and every Markdown file of docs/. */
    static List<Path> documents() throws IOException {
        List<Path> docs = new ArrayList<>();
        docs.add(ROOT.resolve("README.md"));
        docs.add(ROOT.resolve("CONTRIBUTING.md"));
        try (Stream<Path> files = Files.list(ROOT.resolve("docs"))) {
            files.filter(f -> f.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        for (Path d : docs) {
            assertTrue(Files.isRegularFile(d), "missing document " + d);
        }
        return docs;
    }

    /**
     * A fenced code block: its info string, the snippet its marker names (or null), the fence's
     * 1-based line, and the 0-based range of its body lines ({@code bodyEnd} exclusive).
     */
    record Block(
            String info,
            Snippet snippet,
            int fenceLine,
            int bodyStart,
            int bodyEnd,
            String indent,
            List<String> body) {}

    static List<Block> blocks(Path doc, List<String> lines) {
        List<Block> blocks = new ArrayList<>();
        String pendingMarker = null;
        int markerLine = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            Matcher marker = MARKER.matcher(line);
            if (marker.matches()) {
                if (pendingMarker != null) {
                    fail(where(doc, markerLine) + ": snippet marker not followed by a code block");
                }
                pendingMarker = marker.group(1) + "#" + marker.group(2);
                markerLine = i + 1;
                continue;
            }
            Matcher open = FENCE.matcher(line);
            if (!open.matches()) {
                if (pendingMarker != null && !line.isBlank()) {
                    fail(where(doc, markerLine) + ": snippet marker not followed by a code block");
                }
                continue;
            }
            String indent = open.group(1);
            String fence = open.group(2);
            String info = open.group(3);
            int close = i + 1;
            while (close < lines.size() && !isClosing(lines.get(close), fence)) {
                close++;
            }
            if (close == lines.size()) {
                fail(where(doc, i + 1) + ": code block never closed");
            }
            Snippet snippet = null;
            if (pendingMarker != null) {
                int hash = pendingMarker.indexOf('#');
                snippet = Snippet.of(pendingMarker.substring(0, hash), pendingMarker.substring(hash + 1));
                pendingMarker = null;
            }
            blocks.add(new Block(info, snippet, i + 1, i + 1, close, indent, List.copyOf(lines.subList(i + 1, close))));
            i = close;
        }
        if (pendingMarker != null) {
            fail(where(doc, markerLine) + ": snippet marker not followed by a code block");
        }
        return blocks;
    }

    /** Which lines belong to a fenced code block, fences included. */
    static boolean[] fenced(Path doc, List<String> lines) {
        boolean[] fenced = new boolean[lines.size()];
        for (Block block : blocks(doc, lines)) {
            for (int i = block.fenceLine() - 1; i <= block.bodyEnd() && i < lines.size(); i++) {
                fenced[i] = true;
            }
        }
        return fenced;
    }

    private static boolean isClosing(String line, String fence) {
        String s = line.strip();
        return s.length() >= fence.length() && s.chars().allMatch(c -> c == fence.charAt(0));
    }

    /** GitHub's anchors of a Markdown file's headings. */
    static Set<String> anchors(Path markdown) {
        Set<String> anchors = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        List<String> lines = read(markdown);
        boolean[] fenced = fenced(markdown, lines);
        for (int i = 0; i < lines.size(); i++) {
            Matcher h = HEADING.matcher(lines.get(i));
            if (fenced[i] || !h.matches()) {
                continue;
            }
            String slug = slug(h.group(2));
            int n = seen.merge(slug, 1, Integer::sum) - 1;
            anchors.add(n == 0 ? slug : slug + "-" + n);
        }
        return anchors;
    }

    /** GitHub's slug of a heading: lower case, markup and punctuation dropped, spaces as hyphens. */
    static String slug(String heading) {
        String text = heading.replaceAll("\\[([^\\]]*)\\]\\([^)]*\\)", "$1") // a link keeps its text
                .replace("`", "")
                .toLowerCase(Locale.ROOT);
        StringBuilder out = new StringBuilder();
        text.codePoints().forEach(c -> {
            if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
                out.appendCodePoint(c);
            } else if (c == ' ') {
                out.append('-');
            }
        });
        return out.toString();
    }

    // --- the source side

    /** A region of a source file, as a Markdown marker names it. */
    record Snippet(String file, String region, Path path) {

        static Snippet of(String file, String region) {
            List<Path> found = SNIPPET_ROOTS.stream()
                    .map(r -> r.resolve(file))
                    .filter(Files::isRegularFile)
                    .collect(Collectors.toList());
            if (found.size() != 1) {
                fail("snippet file " + file + " must be found in exactly one of " + SNIPPET_ROOTS + ", found " + found);
            }
            return new Snippet(file, region, found.get(0));
        }

        /** The region's lines, each part dedented, parts separated by one blank line. */
        List<String> lines() {
            List<List<String>> parts = new ArrayList<>();
            List<String> current = null;
            List<String> source = read(path);
            for (int i = 0; i < source.size(); i++) {
                String line = source.get(i);
                Matcher m = REGION.matcher(line);
                boolean ours = false;
                while (m.find()) {
                    if (!m.group(2).equals(region)) {
                        continue;
                    }
                    ours = true;
                    if (m.group(1).equals("tag")) {
                        if (current != null) {
                            fail(path + ":" + (i + 1) + ": region " + region + " opened twice");
                        }
                        current = new ArrayList<>();
                    } else {
                        if (current == null) {
                            fail(path + ":" + (i + 1) + ": region " + region + " closed but never opened");
                        }
                        parts.add(trimBlankEdges(dedent(current)));
                        current = null;
                    }
                }
                if (ours || REGION.matcher(line).find()) {
                    continue; // marker lines of any region are never shown
                }
                if (current != null) {
                    current.add(line.stripTrailing());
                }
            }
            if (current != null) {
                fail(path + ": region " + region + " never closed");
            }
            if (parts.isEmpty()) {
                fail(path + ": no region " + region + " (mark it with // tag::" + region + "[] and // end::" + region
                        + "[])");
            }
            List<String> out = new ArrayList<>();
            for (List<String> part : parts) {
                if (!out.isEmpty()) {
                    out.add("");
                }
                out.addAll(part);
            }
            return out;
        }

        @Override
        public String toString() {
            return file + "#" + region;
        }
    }

    static List<String> dedent(List<String> lines) {
        int indent = lines.stream()
                .filter(l -> !l.isBlank())
                .mapToInt(l -> l.length() - l.stripLeading().length())
                .min()
                .orElse(0);
        return lines.stream().map(l -> l.isBlank() ? "" : l.substring(indent)).collect(Collectors.toList());
    }

    static List<String> trimBlankEdges(List<String> lines) {
        int from = 0;
        int to = lines.size();
        while (from < to && lines.get(from).isBlank()) {
            from++;
        }
        while (to > from && lines.get(to - 1).isBlank()) {
            to--;
        }
        return new ArrayList<>(lines.subList(from, to));
    }

    /** Whitespace-normalised: each line trimmed, runs of whitespace as one space, blank lines dropped. */
    static List<String> normalise(List<String> lines) {
        return lines.stream()
                .map(l -> l.strip().replaceAll("\\s+", " "))
                .filter(l -> !l.isEmpty())
                .collect(Collectors.toList());
    }

    // --- files

    static List<String> read(Path file) {
        try {
            return new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String where(Path doc, int line) {
        return ROOT.relativize(doc) + ":" + line;
    }

    private static Path findRoot() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve(".ci/run")) && Files.isRegularFile(d.resolve("README.md"))) {
                return d;
            }
        }
        throw new IllegalStateException("no repository root (a directory with .ci/run) above " + dir);
    }
}
