package dev.numbers.docs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every relative link and {@code #anchor} of README.md and docs/*.md resolves, and so does every pointer such as
 * {@code docs/design.md#load-shedding} in the sources' comments: its file exists inside the repository,
 * and its anchor names a heading (GitHub-style: lower case, spaces to {@code -}, punctuation dropped, repeated headings
 * suffixed {@code -1}, {@code -2}, …) or an HTML anchor of the target Markdown file. Links with a scheme
 * ({@code https:}, {@code mailto:}) are not checked; links inside fenced code blocks and code spans are ignored. Paths
 * are relative to the project's base directory, Surefire's working directory.
 */
class DocumentationLinksTest {

    private static final Path ROOT = Path.of("").toAbsolutePath().normalize();
    private static final Pattern INLINE_LINK =
            Pattern.compile("!?\\[(?:[^\\[\\]]|\\[[^\\]]*\\])*\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    private static final Pattern REFERENCE_DEFINITION =
            Pattern.compile("^\\s{0,3}\\[[^\\]]+\\]:\\s*<?(\\S+?)>?(?:\\s+.*)?$");
    private static final Pattern HEADING = Pattern.compile("^\\s{0,3}(#{1,6})\\s+(.*?)\\s*#*\\s*$");
    private static final Pattern HTML_ANCHOR =
            Pattern.compile("<a\\s+(?:name|id)=\"([^\"]+)\"", Pattern.CASE_INSENSITIVE);
    private static final Pattern FENCE = Pattern.compile("^\\s{0,3}(```|~~~)");
    private static final Pattern CODE_SPAN = Pattern.compile("(`+)(?:(?!\\1).)+?\\1");
    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:");
    /** A pointer from a source comment into the documentation, such as {@code docs/design.md#load-shedding}. */
    private static final Pattern SOURCE_POINTER = Pattern.compile("\\bdocs/[\\w-]+\\.md(?:#[\\w-]+)?");

    private final Map<Path, Set<String>> anchors = new HashMap<>();

    @Test
    void everyRelativeLinkAndAnchorResolves() throws IOException {
        List<Path> documents = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(documents::add);
        }
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path document : documents) {
            List<String> lines = Files.readAllLines(document);
            for (Line line : outsideFences(lines)) {
                String text = CODE_SPAN.matcher(line.text()).replaceAll(m -> " ".repeat(m.group().length()));
                List<String> targets = new ArrayList<>();
                Matcher inline = INLINE_LINK.matcher(text);
                while (inline.find()) {
                    targets.add(inline.group(1));
                }
                Matcher definition = REFERENCE_DEFINITION.matcher(text);
                if (definition.matches()) {
                    targets.add(definition.group(1));
                }
                for (String target : targets) {
                    if (SCHEME.matcher(target).find()) {
                        continue;
                    }
                    checked++;
                    String problem = problem(document, target);
                    if (problem != null) {
                        broken.add(ROOT.relativize(document) + ":" + line.number() + ": " + target + " (" + problem
                                + ")");
                    }
                }
            }
        }
        assertTrue(checked > 0, "no relative link found");
        assertTrue(broken.isEmpty(), broken.size() + " broken link(s) of " + checked + " checked:\n  "
                + String.join("\n  ", broken));
    }

    @Test
    void everyPointerFromTheSourcesIntoTheDocumentationResolves() throws IOException {
        List<String> broken = new ArrayList<>();
        int checked = 0;
        List<Path> sources;
        try (Stream<Path> files = Files.walk(ROOT.resolve("src"))) {
            sources = files.filter(p -> p.toString().endsWith(".java") || p.toString().endsWith(".xml")).toList();
        }
        for (Path source : sources) {
            Matcher pointer = SOURCE_POINTER.matcher(Files.readString(source));
            while (pointer.find()) {
                checked++;
                String problem = problem(ROOT.resolve("README.md"), pointer.group());
                if (problem != null) {
                    broken.add(ROOT.relativize(source) + ": " + pointer.group() + " (" + problem + ")");
                }
            }
        }
        assertTrue(checked > 0, "no pointer into the documentation found");
        assertTrue(broken.isEmpty(), String.join("\n", broken));
    }

    /** @return why the link is broken, or {@code null} when it resolves */
    private String problem(Path document, String target) {
        int hash = target.indexOf('#');
        String file = decode(hash < 0 ? target : target.substring(0, hash));
        String anchor = hash < 0 ? "" : target.substring(hash + 1);
        Path resolved = file.isEmpty() ? document : document.getParent().resolve(file).normalize();
        if (!resolved.startsWith(ROOT)) {
            return "outside the repository";
        }
        if (!Files.exists(resolved)) {
            return "no such file";
        }
        if (anchor.isEmpty()) {
            return null;
        }
        if (Files.isDirectory(resolved) || !resolved.toString().toLowerCase(Locale.ROOT).endsWith(".md")) {
            return "anchor into a file that is not Markdown";
        }
        if (!anchors(resolved).contains(decode(anchor).toLowerCase(Locale.ROOT))) {
            return "no heading with anchor #" + anchor;
        }
        return null;
    }

    /** Every anchor a Markdown file defines: its headings' and its HTML anchors. */
    private Set<String> anchors(Path document) {
        return anchors.computeIfAbsent(document, path -> {
            Set<String> found = new HashSet<>();
            Map<String, Integer> seen = new HashMap<>();
            try {
                for (Line line : outsideFences(Files.readAllLines(path))) {
                    Matcher html = HTML_ANCHOR.matcher(line.text());
                    while (html.find()) {
                        found.add(html.group(1));
                    }
                    Matcher heading = HEADING.matcher(line.text());
                    if (heading.matches()) {
                        String base = slug(heading.group(2));
                        int count = seen.merge(base, 1, Integer::sum) - 1;
                        found.add(count == 0 ? base : base + "-" + count);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return found;
        });
    }

    /** GitHub's anchor for a heading's text. */
    static String slug(String heading) {
        String text = heading.replaceAll("!?\\[([^\\]]*)\\]\\([^)]*\\)", "$1") // links keep their text
                .replaceAll("<[^>]+>", "") // inline HTML
                .strip()
                .toLowerCase(Locale.ROOT);
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints()
                .filter(c -> Character.isLetterOrDigit(c) || c == ' ' || c == '-' || c == '_')
                .forEach(c -> out.appendCodePoint(c == ' ' ? '-' : c));
        return out.toString();
    }

    /** One line of a document, numbered from 1. */
    private record Line(int number, String text) {
    }

    /** The lines outside fenced code blocks; the fences themselves are left out too. */
    private static List<Line> outsideFences(List<String> lines) {
        List<Line> outside = new ArrayList<>();
        String fenced = null;
        for (int i = 0; i < lines.size(); i++) {
            Matcher fence = FENCE.matcher(lines.get(i));
            if (fence.find()) {
                if (fenced == null) {
                    fenced = fence.group(1);
                } else if (fence.group(1).equals(fenced)) {
                    fenced = null;
                }
            } else if (fenced == null) {
                outside.add(new Line(i + 1, lines.get(i)));
            }
        }
        return outside;
    }

    /** Percent-decoding as in a URL's path: {@code +} stays a plus. */
    private static String decode(String text) {
        return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
