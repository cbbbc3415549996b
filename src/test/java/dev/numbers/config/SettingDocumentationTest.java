package dev.numbers.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The settings tables of the documentation list exactly the declared settings, in their order, with the declared
 * defaults and meanings. Paths are relative to the project's base directory, Surefire's working directory.
 */
class SettingDocumentationTest {

    private static final String HEADER = "| setting | default | meaning |";

    /** One row of a settings table: {@code | `name` | `default` | meaning |}. */
    private record Row(String name, String documentedDefault, String meaning) {
    }

    @ParameterizedTest
    @ValueSource(strings = {"README.md", "docs/configuration.md"})
    void theSettingsTableListsEveryDeclaredSettingWithItsDefaultAndMeaning(String document) throws IOException {
        List<Row> declared = Setting.all().stream()
                .map(s -> new Row(s.name(), s.documentedDefault(), s.meaning()))
                .toList();
        assertEquals(declared, table(Path.of(document)), document);
    }

    /** The rows of the one table whose header is {@value #HEADER}. */
    private static List<Row> table(Path document) throws IOException {
        List<String> lines = Files.readAllLines(document);
        int header = lines.indexOf(HEADER);
        assertFalse(header < 0, document + " has no settings table");
        assertEquals(header, lines.lastIndexOf(HEADER), document + " has more than one settings table");
        List<Row> rows = new ArrayList<>();
        for (String line : lines.subList(header + 2, lines.size())) {
            if (!line.startsWith("|")) {
                break;
            }
            String[] cells = line.substring(1, line.length() - 1).split("\\|", -1);
            assertEquals(3, cells.length, "not a row of three cells: " + line);
            rows.add(new Row(code(cells[0].strip()), code(cells[1].strip()), cells[2].strip()));
        }
        return rows;
    }

    /** The text of a cell that is one code span. */
    private static String code(String cell) {
        assertEquals('`', cell.charAt(0), "not a code span: " + cell);
        assertEquals('`', cell.charAt(cell.length() - 1), "not a code span: " + cell);
        return cell.substring(1, cell.length() - 1);
    }
}
